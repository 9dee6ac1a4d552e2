/**
 * Mutated pipeline files: a seed (every fixture and every real pipeline of the
 * corpus), a few edits to its data (values, keys, ids, components), written as
 * YAML or JSON or kept as the original text, then a few edits to its bytes.
 * Every choice is a number fast-check can shrink, and applying the edits is
 * deterministic, so a failing case shrinks to a small one and replays exactly.
 */
import fc from "fast-check";
import { parseAllDocuments, stringify } from "yaml";
import { FIELD_NAMES, HOSTILE_SNIPPETS, hostileString, hostileValue } from "./hostile_values.ts";

export interface Seed {
  name: string;
  text: string;
}

export interface FuzzInput {
  /** The file name diagnostics must carry. */
  name: string;
  bytes: Uint8Array;
}

const ROOT = new URL("../../", import.meta.url);

/** Every fixture (valid and invalid) and every pipeline file of the corpus. */
export async function loadSeeds(): Promise<Seed[]> {
  const seeds: Seed[] = [];
  const walk = async (folder: string) => {
    const entries = [...Deno.readDirSync(new URL(folder, ROOT))].sort((a, b) => a.name < b.name ? -1 : 1);
    for (const e of entries) {
      const path = `${folder}${e.name}`;
      if (e.isDirectory && e.name !== "e2e") await walk(`${path}/`);
      else if (/\.(ya?ml|json)$/.test(e.name)) seeds.push({ name: path, text: await Deno.readTextFile(new URL(path, ROOT)) });
    }
  };
  await walk("fixtures/");
  await walk("tests/corpus/");
  return seeds;
}

/** Where in the data an edit lands: a fraction of the list of candidate places, so it shrinks towards the first. */
const place = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

type DataEdit =
  | { kind: "set"; at: number; value: unknown }
  | { kind: "delete"; at: number }
  | { kind: "add"; at: number; key: string; value: unknown }
  | { kind: "env"; at: number; key: string; value: string }
  | { kind: "argv"; at: number; field: "command" | "args"; words: string[] }
  | { kind: "id"; at: number; id: string }
  | { kind: "clone"; at: number; sameId: boolean };

// Value edits inside components keep a file valid more often, so they are drawn more often.
const dataEdit: fc.Arbitrary<DataEdit> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("set" as const), at: place, value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: place }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("add" as const), at: place, key: fc.oneof(fc.constantFrom(...FIELD_NAMES), hostileString), value: hostileValue }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("env" as const),
      at: place,
      key: fc.oneof(fc.constantFrom("PORT", "HEALTH_PORT", "GRPC_PORT", "FLOWCTL_ENDPOINT", "X", "x-y", "a.b", "1A"), hostileString),
      value: hostileString,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("argv" as const),
      at: place,
      field: fc.constantFrom("command" as const, "args" as const),
      words: fc.array(hostileString, { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("id" as const), at: place, id: hostileString }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("clone" as const), at: place, sameId: fc.boolean() }) },
);

type TextEdit =
  | { kind: "byte"; at: number; byte: number }
  | { kind: "insert"; at: number; snippet: string | number[] }
  | { kind: "cut"; at: number; length: number }
  | { kind: "line"; at: number };

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant("byte" as const), at: place, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: place, snippet: fc.constantFrom(...HOSTILE_SNIPPETS) }),
  fc.record({ kind: fc.constant("cut" as const), at: place, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("line" as const), at: place }),
);

export interface Mutation {
  seed: number;
  data: DataEdit[];
  format: "original" | "yaml" | "json";
  text: TextEdit[];
}

/** Mostly data edits, which keep a file valid often enough that every generator runs on hostile values. */
export function mutation(seedCount: number): fc.Arbitrary<Mutation> {
  return fc.record({
    seed: fc.integer({ min: 0, max: seedCount - 1 }),
    data: fc.array(dataEdit, { maxLength: 4 }),
    format: fc.constantFrom("original" as const, "yaml" as const, "json" as const),
    text: fc.oneof(
      { weight: 3, arbitrary: fc.constant<TextEdit[]>([]) },
      { weight: 1, arbitrary: fc.array(textEdit, { minLength: 1, maxLength: 3 }) },
    ),
  });
}

export function applyMutation(seeds: readonly Seed[], m: Mutation): FuzzInput {
  const seed = seeds[m.seed];
  let text = seed.text;
  if (m.data.length || m.format !== "original") {
    const parsed = parseAllDocuments(seed.text);
    // A seed that is not YAML (an invalid fixture) only has its text mutated.
    const docs = Array.isArray(parsed) && parsed.every((d) => d.errors.length === 0)
      ? parsed.map((d) => d.toJS({ maxAliasCount: 100 })).filter((d) => d !== null && d !== undefined)
      : [];
    if (docs.length) {
      for (const edit of m.data) applyDataEdit(docs[0], edit);
      text = m.format === "json" && docs.length === 1
        ? JSON.stringify(docs[0], null, 2)
        : docs.map((d) => stringify(d, { aliasDuplicateObjects: false })).join("---\n");
    }
  }
  let bytes: Uint8Array = new TextEncoder().encode(text);
  for (const edit of m.text) bytes = applyTextEdit(bytes, edit);
  return { name: `fuzz/${seed.name.split("/").pop()}`, bytes };
}

type Json = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Json => typeof v === "object" && v !== null;

/** Every container and key below the root, in document order: where `set` and `delete` can land. */
function places(root: unknown): { parent: Json; key: string | number }[] {
  const out: { parent: Json; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (!isContainer(v)) return;
    const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    for (const k of keys) {
      out.push({ parent: v, key: k });
      walk((v as Record<string | number, unknown>)[k]);
    }
  };
  walk(root);
  return out;
}

/** The components of every section, with their list: where component edits land. */
function components(root: unknown): { list: Record<string, unknown>[]; component: Record<string, unknown> }[] {
  const spec = isContainer(root) && !Array.isArray(root) ? root.spec : undefined;
  if (!isContainer(spec) || Array.isArray(spec)) return [];
  return ["sources", "processors", "sinks", "pipelines"].flatMap((section) => {
    const list = spec[section];
    return Array.isArray(list) ? list.filter((c) => isContainer(c) && !Array.isArray(c)).map((component) => ({ list, component })) : [];
  });
}

const pick = <T>(list: readonly T[], at: number): T | undefined => list.length ? list[Math.floor(at * list.length)] : undefined;

function applyDataEdit(root: unknown, edit: DataEdit): void {
  if (edit.kind === "set" || edit.kind === "delete") {
    const spot = pick(places(root), edit.at);
    if (!spot) return;
    if (edit.kind === "set") (spot.parent as Record<string | number, unknown>)[spot.key] = structuredClone(edit.value);
    else if (Array.isArray(spot.parent)) spot.parent.splice(spot.key as number, 1);
    else delete spot.parent[spot.key as string];
    return;
  }
  if (edit.kind === "add") {
    const mappings = [root, ...places(root).map((p) => (p.parent as Record<string | number, unknown>)[p.key])]
      .filter((v): v is Record<string, unknown> => isContainer(v) && !Array.isArray(v));
    const target = pick(mappings, edit.at);
    if (target) Object.defineProperty(target, edit.key, { value: structuredClone(edit.value), enumerable: true, writable: true, configurable: true });
    return;
  }
  const found = pick(components(root), edit.at);
  if (!found) return;
  const { list, component } = found;
  switch (edit.kind) {
    case "env": {
      const env = isContainer(component.env) && !Array.isArray(component.env) ? component.env : (component.env = {});
      Object.defineProperty(env, edit.key, { value: edit.value, enumerable: true, writable: true, configurable: true });
      return;
    }
    case "argv":
      component[edit.field] = [...edit.words];
      return;
    case "id": {
      const old = component.id;
      component.id = edit.id;
      // Keep the graph whole, so that the generators still run.
      for (const { component: other } of components(root)) {
        for (const field of ["inputs", "depends_on"]) {
          const refs = other[field];
          if (Array.isArray(refs)) other[field] = refs.map((r) => (r === old ? edit.id : r));
        }
      }
      return;
    }
    case "clone": {
      const copy = structuredClone(component);
      if (!edit.sameId) copy.id = `${String(component.id)}-copy`;
      list.push(copy);
      return;
    }
  }
}

function applyTextEdit(bytes: Uint8Array, edit: TextEdit): Uint8Array {
  const at = Math.floor(edit.at * (bytes.length + 1));
  switch (edit.kind) {
    case "byte": {
      if (!bytes.length) return bytes;
      const out = bytes.slice();
      out[Math.min(at, bytes.length - 1)] = edit.byte;
      return out;
    }
    case "insert": {
      const snippet = typeof edit.snippet === "string" ? new TextEncoder().encode(edit.snippet) : new Uint8Array(edit.snippet);
      return concat(bytes.subarray(0, at), snippet, bytes.subarray(at));
    }
    case "cut":
      return concat(bytes.subarray(0, at), bytes.subarray(at + edit.length));
    case "line": {
      // Repeat the line the place falls in (a duplicate key, a duplicate list item, a stray indent).
      const start = bytes.lastIndexOf(0x0a, Math.max(0, at - 1)) + 1;
      const endAt = bytes.indexOf(0x0a, at);
      const end = endAt < 0 ? bytes.length : endAt + 1;
      return concat(bytes.subarray(0, end), bytes.subarray(start, end), bytes.subarray(end));
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
