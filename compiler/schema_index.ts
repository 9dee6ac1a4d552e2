/**
 * Which keys the CUE schema allows where, read from the schema's own text.
 * Used only for hints ("did you mean", "use one of"); the verdict is always
 * CUE's. The schema is written in `cue fmt` style, one field per line, which
 * is all this reader relies on.
 */
import type { Path } from "./source.ts";

export interface SchemaIndex {
  /** Keys allowed in the mapping at a document path (empty if unknown or free-form). */
  fieldsAt(path: Path): string[];
  /** The schema's type text for the value at a path, e.g. `#PortNumber` or `"TCP" | "UDP"`. */
  typeAt(path: Path): string | undefined;
  /** Whether a definition (`#Volume`) is a mapping. */
  isStruct(definition: string): boolean;
}

interface Struct {
  fields: Map<string, string>;
  embeds: string[];
}

export function schemaIndex(cue: string): SchemaIndex {
  const defs = new Map<string, Struct | string>();
  const lines = cue.split("\n").map((l) => l.replace(/\/\/.*$/, "").trimEnd());
  for (let i = 0; i < lines.length; i++) {
    const m = /^(#\w+):\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    if (m[2] === "{") i = readStruct(lines, i + 1, 1, m[1], defs);
    else defs.set(m[1], m[2]);
  }

  const structOf = (type: string | undefined): Struct | undefined => {
    const d = type ? defs.get(type.trim()) : undefined;
    return typeof d === "object" ? d : undefined;
  };
  const fieldsOf = (s: Struct): Map<string, string> => {
    const all = new Map<string, string>();
    for (const e of s.embeds) {
      const inner = structOf(e);
      if (inner) for (const [k, v] of fieldsOf(inner)) all.set(k, v);
    }
    for (const [k, v] of s.fields) all.set(k, v);
    return all;
  };
  const resolve = (path: Path): string | undefined => {
    let type: string | undefined = "#Pipeline";
    for (const seg of path) {
      if (type === undefined) return undefined;
      const list = /^\[\.\.\.(.+)\]/.exec(type);
      if (typeof seg === "number") {
        type = list ? list[1].trim().replace(/^\((.*)\)$/, "$1") : undefined;
        continue;
      }
      const map = /^\[string\]:\s*(.+)$/.exec(type);
      const s = structOf(type);
      type = map ? map[1].trim() : s ? fieldsOf(s).get(seg) : undefined;
    }
    return type;
  };
  return {
    fieldsAt(path) {
      const s = structOf(resolve(path));
      return s ? [...fieldsOf(s).keys()].sort() : [];
    },
    isStruct(definition) {
      return structOf(definition) !== undefined;
    },
    typeAt(path) {
      const t = resolve(path);
      const d = t ? defs.get(t) : undefined;
      return typeof d === "string" && /^"/.test(d) ? d : t;
    },
  };
}

function readStruct(
  lines: string[],
  start: number,
  depth: number,
  name: string,
  defs: Map<string, Struct | string>,
): number {
  const struct: Struct = { fields: new Map(), embeds: [] };
  defs.set(name, struct);
  const indent = "\t".repeat(depth);
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === "\t".repeat(depth - 1) + "}") break;
    if (!line.startsWith(indent) || line[indent.length] === "\t") continue;
    const body = line.slice(indent.length);
    if (/^#\w+$/.test(body)) {
      struct.embeds.push(body);
      continue;
    }
    const field = /^(\w+)\??:\s*(.*)$/.exec(body);
    if (!field) continue;
    if (field[2] === "{") {
      const inner = `${name}.${field[1]}`;
      struct.fields.set(field[1], inner);
      i = readStruct(lines, i + 1, depth + 1, inner, defs);
    } else {
      struct.fields.set(field[1], field[2].trim());
    }
  }
  return i;
}
