/**
 * Deterministic HCL2 text, formatted as `nomad fmt` would (two-space indent,
 * `=` aligned within runs of one-line attributes). Every string is escaped for
 * HCL: quotes, backslashes and control characters, and `${` / `%{`, which HCL
 * would otherwise read as interpolation or a template directive.
 */

export type HclValue = string | number | boolean | Heredoc | HclValue[] | { [key: string]: HclValue };

/** Text flowctl writes itself (template data), shown as an indented heredoc instead of one long string. */
export class Heredoc {
  constructor(readonly text: string) {}
}

export interface HclAttribute {
  name: string;
  value: HclValue;
}

export interface HclBlock {
  type: string;
  labels?: string[];
  body: HclBody;
  /** Comment lines written above the block. */
  comment?: string[];
}

export type HclBody = (HclAttribute | HclBlock)[];

/** An attribute, or nothing when the value is undefined, an empty list or an empty map. */
export function attr(name: string, value: HclValue | undefined): HclAttribute[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.length === 0) return [];
  if (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0) return [];
  return [{ name, value }];
}

export function block(type: string, labels: string[], body: HclBody, comment?: string[]): HclBlock {
  return { type, labels, body, ...(comment?.length && { comment }) };
}

/** A map as a block when every key is an identifier (`env { A = "1" }`), else as an attribute (`env = { "a.b" = "1" }`). */
export function mapBlock(type: string, map: Record<string, string>): (HclAttribute | HclBlock)[] {
  const keys = Object.keys(map);
  if (keys.length === 0) return [];
  if (keys.every((k) => IDENTIFIER.test(k))) return [block(type, [], keys.map((k) => ({ name: k, value: map[k] })))];
  return [{ name: type, value: map }];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `"…"` with HCL's escapes; `${` and `%{` are doubled so they stay literal text. */
export function hclString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return escapeTemplate(out) + '"';
}

/** Doubles `${` and `%{`, the two sequences that start HCL template syntax in strings and heredocs. */
export function escapeTemplate(text: string): string {
  // Function replacements: in a replacement string, "$$" would mean a single "$".
  return text.replaceAll("${", () => "$${").replaceAll("%{", () => "%%{");
}

function isBlock(item: HclAttribute | HclBlock): item is HclBlock {
  return "body" in item;
}

function value(v: HclValue, indent: string): string {
  if (typeof v === "string") return hclString(v);
  if (v instanceof Heredoc) return heredoc(v.text, indent);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    const items = v.map((x) => value(x, indent + "  "));
    const flat = `[${items.join(", ")}]`;
    if (flat.length <= 80 && !flat.includes("\n")) return flat;
    return `[\n${items.map((x) => `${indent}  ${x},`).join("\n")}\n${indent}]`;
  }
  const keys = Object.keys(v);
  const width = Math.max(...keys.map((k) => hclString(k).length));
  return `{\n${keys.map((k) => `${indent}  ${hclString(k).padEnd(width)} = ${value(v[k], indent + "  ")}`).join("\n")}\n${indent}}`;
}

/** Lines as an indented heredoc (`<<-EOT`), which HCL trims back to the text; the text must end in a newline. */
function heredoc(text: string, indent: string): string {
  const lines = text.slice(0, -1).split("\n");
  if (lines.some((l) => l.trim() === "EOT" || /^\s/.test(l) || l === "")) throw new Error("heredoc text must not hold EOT, blank or indented lines");
  return `<<-EOT\n${lines.map((l) => `${indent}  ${escapeTemplate(l)}`).join("\n")}\n${indent}  EOT`;
}

export function renderBody(body: HclBody, indent = ""): string {
  const out: string[] = [];
  let run: string[][] = [];
  const flush = () => {
    const width = Math.max(0, ...run.filter((r) => !r[1].includes("\n")).map((r) => r[0].length));
    for (const [name, text] of run) out.push(`${indent}${text.includes("\n") ? name : name.padEnd(width)} = ${text}`);
    run = [];
  };
  body.forEach((item, i) => {
    if (!isBlock(item)) {
      const text = value(item.value, indent);
      const name = IDENTIFIER.test(item.name) ? item.name : hclString(item.name);
      // A multi-line value ends a run of aligned attributes, as nomad fmt does.
      if (text.includes("\n")) {
        flush();
        run.push([name, text]);
        flush();
      } else run.push([name, text]);
      return;
    }
    flush();
    if (i > 0) out.push("");
    const labels = (item.labels ?? []).map((l) => `${hclString(l)} `).join("");
    for (const line of item.comment ?? []) out.push(`${indent}#${line ? ` ${line}` : ""}`);
    out.push(`${indent}${item.type} ${labels}{`);
    if (item.body.length) out.push(renderBody(item.body, indent + "  "));
    out.push(`${indent}}`);
    if (i < body.length - 1 && !isBlock(body[i + 1])) out.push("");
  });
  flush();
  return out.join("\n");
}
