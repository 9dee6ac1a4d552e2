/**
 * Stage 3: structure and value rules, checked by CUE against schemas/pipeline.cue.
 *
 * cue-wasm exports a value and reports only the first error it meets. To report
 * every problem in one run, each error is turned into a diagnostic, the value
 * at fault is repaired in a copy of the data (removed, or replaced by a
 * placeholder for a missing field), and CUE runs again. CUE paths
 * (`v0.spec.sources.0.id`) map back to the user's file.
 *
 * All documents of a file are checked in one evaluation; only a document with
 * an error is evaluated again, alone. CUE's time grows with the data it is
 * given, so the repair rounds of a file share a budget of data evaluated: a
 * large file with very many errors gets E_ERROR_LIMIT after the errors found
 * within it, rather than minutes of rounds. The budget counts bytes, not time,
 * so the same file always gets the same diagnostics.
 */
import type { CueEngine } from "./cue.ts";
import { BUG_HINT, diagnostic, type Diagnostic, type DiagnosticCode, quote } from "./diagnostics.ts";
import { closest } from "./suggest.ts";
import { getAt, isRecord, type LocatedDocument, locate, type Path } from "./source.ts";
import { PIPELINE_CUE } from "../schemas/pipeline_cue.ts";
import { schemaIndex, type SchemaIndex } from "./schema_index.ts";

/** Repair rounds of one document. */
const MAX_ROUNDS = 50;
/** Bytes of data CUE may evaluate in repair rounds, per file (its first evaluation aside). */
export const REPAIR_BUDGET = 256 * 1024;
const ROOT = "v";

let cachedIndex: SchemaIndex | undefined;
/** The schema's key index, read once (only hints use it). */
function index(): SchemaIndex {
  return cachedIndex ??= schemaIndex(PIPELINE_CUE);
}

/** Data as CUE source. CUE refuses a byte order mark (U+FEFF) anywhere in its input, so it is written as an escape. */
function cueData(data: unknown): string {
  return JSON.stringify(data).replaceAll("\ufeff", "\\ufeff");
}

/** Checks every document of a file against #Pipeline; one list of diagnostics per document. */
export function checkSchemas(engine: CueEngine, docs: readonly LocatedDocument[]): Diagnostic[][] {
  const results = docs.map((): Diagnostic[] => []);
  const budget = { left: REPAIR_BUDGET };
  let pending = docs.map((_, i) => i);
  while (pending.length) {
    const source = pending.map((i) => `${ROOT}${i}: #Pipeline & ${cueData(docs[i].data)}`).join("\n");
    const result = engine.evaluate(`${PIPELINE_CUE}\n${source}\n`);
    if (!result.error) break;
    const error = parseCueError(result.error);
    const at = error && pending.includes(error.doc) ? error.doc : pending[0];
    pending = pending.filter((i) => i !== at);
    results[at] = repairRounds(engine, docs[at], at, error?.doc === at ? { ...error, raw: result.error } : undefined, budget);
  }
  return results;
}

/** One document's errors, one repair round each, from the first one already found (when there is one). */
function repairRounds(
  engine: CueEngine,
  doc: LocatedDocument,
  n: number,
  first: (CueError & { raw: string }) | undefined,
  budget: { left: number },
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const data = structuredClone(doc.data);
  const seen = new Set<string>();
  // A value removed for one error must not come back as "missing".
  const reported = new Set<string>();
  let next: { error?: CueError; raw: string } | undefined = first && { error: first, raw: first.raw };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (!next) {
      const json = cueData(data);
      if (budget.left < json.length) return [...diagnostics, errorLimit(doc, diagnostics.length)];
      budget.left -= json.length;
      const result = engine.evaluate(`${PIPELINE_CUE}\n${ROOT}${n}: #Pipeline & ${json}\n`);
      if (!result.error) return diagnostics;
      next = { error: parseCueError(result.error), raw: result.error };
    }
    const error = narrowDisjunction(engine, next.error, data);
    if (!error) {
      diagnostics.push(diagnostic("E_INTERNAL", locate(doc, []), `schema check failed: ${next.raw}`, BUG_HINT));
      return diagnostics;
    }
    next = undefined;
    const found = explain(error, data, doc, index());
    const key = `${found.path.join("\u0000")}|${found.code}`;
    if (seen.has(key) || !repair(data, found)) {
      // The same error again means the repair did not take; stop rather than loop.
      if (!seen.has(key)) diagnostics.push(found.diagnostic);
      return diagnostics;
    }
    seen.add(key);
    const place = found.path.join("\u0000");
    if (!reported.has(place)) diagnostics.push(found.diagnostic);
    reported.add(place);
  }
  return [...diagnostics, errorLimit(doc, diagnostics.length)];
}

function errorLimit(doc: LocatedDocument, found: number): Diagnostic {
  return diagnostic(
    "E_ERROR_LIMIT",
    locate(doc, []),
    `flowctl stopped checking this document's structure after ${found} errors, so that a large file with many errors ` +
      "is still answered quickly; there may be more",
    "fix these and run flowctl validate again",
  );
}

interface CueError {
  /** The document the error is in (the n of its root `v<n>`). */
  doc: number;
  path: Path;
  message: string;
}

/** `v0.spec.sources.0.ports.0.containerPort: invalid value 70000 (out of bound <=65535)` */
export function parseCueError(text: string): CueError | undefined {
  const line = text.replace(/^cue: marshal error: /, "").split("\n")[0];
  const root = new RegExp(`^${ROOT}(\\d+)`).exec(line);
  if (!root) return undefined;
  const path: (string | number)[] = [];
  let i = root[0].length;
  while (line[i] === ".") {
    i++;
    if (line[i] === '"') {
      const end = findClosingQuote(line, i);
      path.push(JSON.parse(line.slice(i, end + 1)));
      i = end + 1;
    } else {
      const m = /^[^.:\s]+/.exec(line.slice(i));
      if (!m) break;
      path.push(/^\d+$/.test(m[0]) ? Number(m[0]) : m[0]);
      i += m[0].length;
    }
  }
  if (line[i] !== ":") return undefined;
  return { doc: Number(root[1]), path, message: line.slice(i + 1).trim() };
}

/**
 * "N errors in empty disjunction" says nothing useful when a value may be one
 * of several definitions (a volume mapping or its short string). Check the
 * value against the one definition that fits its kind and use that error.
 */
function narrowDisjunction(engine: CueEngine, error: CueError | undefined, data: unknown): CueError | undefined {
  if (!error || !/empty disjunction/.test(error.message)) return error;
  const idx = index();
  const path = normalizePath(data, error.path);
  const alternatives = (idx.typeAt(path) ?? "").replace(/[()]/g, "").split("|").map((t) => t.trim());
  const actual = getAt(data, path);
  const fitting = alternatives.find((t) => /^#\w+$/.test(t) && idx.isStruct(t) === isRecord(actual));
  if (!fitting || alternatives.length < 2) return error;
  const inner = parseCueError(engine.evaluate(`${PIPELINE_CUE}\n${ROOT}0: ${fitting} & ${cueData(actual)}\n`).error ?? "");
  return inner ? { doc: error.doc, path: [...path, ...inner.path], message: inner.message } : error;
}

function findClosingQuote(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === '"') return i;
  }
  return s.length - 1;
}

interface Explained {
  code: DiagnosticCode;
  /** Where the problem is (for a missing field: the field that is missing). */
  path: Path;
  diagnostic: Diagnostic;
}

function explain(error: CueError, data: unknown, doc: LocatedDocument, idx: SchemaIndex): Explained {
  const { message } = error;
  // CUE paths use numbers for list indexes; keep them only where the data has a list.
  const path = normalizePath(data, error.path);
  const name = lastName(path);

  const notAllowed = /^field not allowed: (.+)$/.exec(message) ?? /^field (\S+) not allowed/.exec(message);
  if (notAllowed) {
    const key = notAllowed[1].replace(/^"(.*)"$/, "$1");
    const at = [...path, key];
    const allowed = idx.fieldsAt(path);
    const guess = closest(key, allowed);
    const hint = guess
      ? `did you mean "${guess}"?`
      : allowed.length
      ? `remove it; allowed keys here: ${allowed.join(", ")}`
      : "remove it";
    return result("E_UNKNOWN_KEY", at, `unknown key ${quote(key)}${where(path)}`, hint, true);
  }

  if (/incomplete value|non-concrete value/.test(message)) {
    // The error may name a list element that does not exist yet; report the
    // first missing step below the deepest value the user wrote.
    let n = 0;
    while (n < path.length && getAt(data, path.slice(0, n + 1)) !== undefined) n++;
    const missing = path.slice(0, Math.min(n + 1, path.length));
    const field = lastName(missing);
    const parent = missing.slice(0, -1);
    const type = idx.typeAt(missing);
    return result(
      "E_MISSING_FIELD",
      missing,
      `required field ${quote(field)} is missing${where(parent)}`,
      `add ${field}${type ? ` (${describeType(type)})` : ""}`,
    );
  }

  const actual = getAt(data, path);
  const mismatch = /mismatched types (\w+) and (\w+)/.exec(message);
  if (mismatch) {
    const [, a, b] = mismatch;
    const got = typeOf(actual);
    const want = got === a ? b : a;
    return result(
      "E_TYPE",
      path,
      `${name} must be ${article(want)}, not ${article(got)}${actual !== undefined ? ` (${quote(actual)})` : ""}`,
      typeHint(want, actual),
    );
  }

  const type = idx.typeAt(path);
  const literals = type ? stringLiterals(type) : [];
  if (literals.length > 1 && (/empty disjunction/.test(message) || /conflicting values/.test(message))) {
    const guess = typeof actual === "string" ? closest(actual, literals) : undefined;
    return result(
      "E_VALUE",
      path,
      `${name} ${quote(actual)} is not one of ${literals.map((l) => `"${l}"`).join(", ")}`,
      guess ? `did you mean "${guess}"?` : `use one of: ${literals.join(", ")}`,
    );
  }
  const literal = /conflicting values ("[^"]*"|\S+) and ("[^"]*"|\S+)$/.exec(message);
  if (literal) {
    const want = [literal[1], literal[2]].find((v) => v !== JSON.stringify(actual)) ?? literal[2];
    return result("E_VALUE", path, `${name} must be ${want}, not ${quote(actual)}`, `set ${name}: ${want}`);
  }
  if (/incompatible list lengths \(0 and/.test(message)) {
    return result("E_VALUE", path, `${name} must not be empty`, `list at least one value in ${name}`);
  }
  const bound = /invalid value .* \(out of bound (.+)\)$/.exec(message);
  if (bound) {
    const rule = bound[1];
    if (rule.startsWith('=~"^[^\\\\x00-') && typeof actual === "string") { // #Name
      // deno-lint-ignore no-control-regex -- control characters are what this looks for
      const control = /[\x00-\x1f\x7f]/.exec(actual)?.[0];
      if (control === undefined) return result("E_VALUE", path, `${name} must not be blank`, `give ${name} a value`);
      const code = `U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
      return result("E_VALUE", path, `${name} ${quote(actual)} holds a control character (${code})`,
        `${name} must be one line of printable text; remove the character`);
    }
    if (rule.startsWith("=~")) {
      return result("E_VALUE", path, `${name} ${quote(actual)} does not match ${rule.slice(2)}`, patternHint(name, type));
    }
    return result("E_VALUE", path, `${name} ${quote(actual)} is out of range: must be ${rule}`, rangeHint(name, rule));
  }
  if (/empty disjunction/.test(message)) {
    return result(
      "E_VALUE",
      path,
      `${name} ${quote(actual)} is not a valid value`,
      type ? `use ${describeType(type)}` : "see the format in the README",
    );
  }
  return result("E_VALUE", path, `${name}: ${message}`, type ? `expected ${describeType(type)}` : "see the README");

  function result(code: DiagnosticCode, at: Path, msg: string, hint: string, onKey = false): Explained {
    return { code, path: at, diagnostic: diagnostic(code, locate(doc, at, onKey), msg, hint) };
  }
}

/** Changes the data so that CUE can get past this error. Returns false if it cannot. */
function repair(data: unknown, found: Explained): boolean {
  const path = found.path;
  if (path.length === 0) return false;
  const parent = getAt(data, path.slice(0, -1));
  const last = path[path.length - 1];
  if (found.code === "E_MISSING_FIELD") {
    if (!isRecord(parent) && !Array.isArray(parent)) return false;
    (parent as Record<string | number, unknown>)[last] = placeholderFor(String(last));
    return true;
  }
  if (Array.isArray(parent) && typeof last === "number") {
    // Keep indexes stable: swap the bad element for a neutral one.
    parent[last] = placeholderFor(String(path[path.length - 2] ?? ""));
    return true;
  }
  if (isRecord(parent) && last in parent) {
    delete parent[last];
    return true;
  }
  return false;
}

/** A value that passes the schema where a required field was missing. */
function placeholderFor(field: string): unknown {
  switch (field) {
    case "containerPort":
      return 1;
    case "ports":
      return { containerPort: 1 };
    case "volumes":
      return "placeholder:/placeholder";
    case "metadata":
      return { name: "placeholder" };
    case "spec":
      return {};
    case "apiVersion":
      return "flowctl/v1";
    case "kind":
      return "Pipeline";
    case "sources":
    case "processors":
    case "sinks":
    case "pipelines":
      return { id: "placeholder", image: "placeholder" };
    default:
      return "placeholder";
  }
}

function normalizePath(data: unknown, path: Path): Path {
  const out: (string | number)[] = [];
  let cur = data;
  for (const seg of path) {
    const s = Array.isArray(cur) && typeof seg === "number" ? seg : String(seg);
    out.push(s);
    cur = cur !== null && typeof cur === "object" ? (cur as Record<string | number, unknown>)[s] : undefined;
  }
  return out;
}

function lastName(path: Path): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === "string") return path[i] as string;
  return "document";
}

function where(path: Path): string {
  if (path.length === 0) return " at the top level";
  return ` in ${describePlace(path)}`;
}

function describePlace(path: Path): string {
  return path.map((s) => (typeof s === "number" ? `[${s}]` : s)).join(".").replace(/\.\[/g, "[");
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "list";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "object") return "struct";
  return typeof value;
}

function article(type: string): string {
  const names: Record<string, string> = {
    string: "a string",
    int: "an integer",
    float: "a number",
    number: "a number",
    bool: "true or false",
    list: "a list",
    struct: "a mapping",
    null: "null",
  };
  return names[type] ?? type;
}

function typeHint(want: string, actual: unknown): string {
  if (want === "string" && (typeof actual === "number" || typeof actual === "boolean")) {
    return `quote the value: "${String(actual)}"`;
  }
  if (want === "int" && typeof actual === "string" && /^\d+$/.test(actual)) return `write it without quotes: ${actual}`;
  if (want === "list") return "write it as a list, one item per line starting with '- '";
  if (want === "struct") return "write it as a mapping of key: value lines";
  return `write ${article(want)} here`;
}

function stringLiterals(type: string): string[] {
  if (!/^("[^"]*"\s*\|\s*)+"[^"]*"$/.test(type.trim())) return [];
  return [...type.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
}

function describeType(type: string): string {
  const literals = stringLiterals(type);
  if (literals.length) return `one of ${literals.join(", ")}`;
  if (type === "#Name") return "a non-empty string";
  if (type === "#PortNumber") return "a port number from 1 to 65535";
  if (type === "#Scalar") return "a string, a number or true/false (not a list or mapping)";
  if (type === "#CPU") return "a CPU quantity such as 250m, 0.5 or 2";
  if (type === "#Memory") return "a memory quantity such as 512Mi, 1Gi or 1G";
  return type.replace(/#/g, "");
}

function patternHint(name: string, type: string | undefined): string {
  if (type === "#CPU") return "use a Kubernetes CPU quantity such as 250m, 0.5 or 2";
  if (type === "#Memory") return "use a Kubernetes memory quantity such as 512Mi, 1Gi or 1G";
  if (type === "#Duration") return "use a duration such as 10s, 500ms or 1m";
  if (name === "health_check") return "an HTTP path starting with /, e.g. /health";
  if (type?.includes("#VolumeShort")) return 'use "SOURCE:TARGET[:ro]", or a mapping with name and mountPath';
  return "see the format in the README";
}

function rangeHint(name: string, rule: string): string {
  if (/65535/.test(rule)) return "ports are numbers from 1 to 65535";
  return `${name} must be ${rule}`;
}
