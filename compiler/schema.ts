/**
 * Stage 3: structure and value rules, checked by CUE against schemas/pipeline.cue.
 *
 * flowctl's validator (cue/) checks every document of a file in one call and
 * reports every problem with its path, without exporting the value. Each
 * problem becomes a diagnostic at the user's line; CUE paths map back to the
 * user's file. A document with very many problems gets the first
 * MAX_PROBLEMS of them and E_ERROR_LIMIT, so output stays readable.
 */
import type { CueEngine, CueProblem } from "./cue.ts";
import { BUG_HINT, diagnostic, type Diagnostic, type DiagnosticCode, quote } from "./diagnostics.ts";
import { closest } from "./suggest.ts";
import { getAt, isRecord, type LocatedDocument, locate, type Path } from "./source.ts";
import { PIPELINE_CUE } from "../schemas/pipeline_cue.ts";
import { schemaIndex, type SchemaIndex } from "./schema_index.ts";

/** Problems reported per document before E_ERROR_LIMIT. */
export const MAX_PROBLEMS = 200;

let cachedIndex: SchemaIndex | undefined;
/** The schema's key index, read once (only hints use it). */
function index(): SchemaIndex {
  return cachedIndex ??= schemaIndex(PIPELINE_CUE);
}

/** Checks every document of a file against #Pipeline (one CUE call); one list of diagnostics per document. */
export function checkSchemas(engine: CueEngine, docs: readonly LocatedDocument[]): Diagnostic[][] {
  const checked = engine.check(PIPELINE_CUE, "#Pipeline", cueJson(docs.map((d) => d.data)));
  if (checked.error !== undefined || checked.problems?.length !== docs.length) {
    const why = checked.error ?? "the CUE validator answered for a different number of documents";
    return docs.map((doc) => [diagnostic("E_INTERNAL", locate(doc, []), `schema check failed: ${why}`, BUG_HINT)]);
  }
  return docs.map((doc, i) => diagnose(engine, doc, checked.problems![i]));
}

/** One document's problems as diagnostics, one per place and kind. */
function diagnose(engine: CueEngine, doc: LocatedDocument, problems: CueProblem[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const problem of problems) {
    for (const error of narrowDisjunction(engine, asCueError(problem), doc.data)) {
      if (diagnostics.length >= MAX_PROBLEMS) return [...diagnostics, errorLimit(doc, MAX_PROBLEMS)];
      const found = explain(error, doc.data, doc, index());
      const key = `${found.path.join("\u0000")}|${found.code}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(found.diagnostic);
    }
  }
  return diagnostics;
}

function errorLimit(doc: LocatedDocument, found: number): Diagnostic {
  return diagnostic(
    "E_ERROR_LIMIT",
    locate(doc, []),
    `flowctl stopped listing this document's structure errors after ${found}, so that a file with very many errors ` +
      "still gives a readable answer; there may be more",
    "fix these and run flowctl validate again",
  );
}

interface CueError {
  path: Path;
  message: string;
}

/** A field CUE does not allow is reported at the field; explain() wants its parent and its name. */
function asCueError(problem: CueProblem): CueError {
  if (problem.message === "field not allowed" && problem.path.length) {
    const key = problem.path[problem.path.length - 1];
    return { path: problem.path.slice(0, -1), message: `field not allowed: ${JSON.stringify(String(key))}` };
  }
  return { path: problem.path, message: problem.message };
}

/**
 * "N errors in empty disjunction" says nothing useful when a value may be one
 * of several definitions (a volume mapping or its short string). Check the
 * value against the one definition that fits its kind and use its errors.
 */
function narrowDisjunction(engine: CueEngine, error: CueError, data: unknown): CueError[] {
  if (!/empty disjunction/.test(error.message)) return [error];
  const idx = index();
  const path = normalizePath(data, error.path);
  const alternatives = (idx.typeAt(path) ?? "").replace(/[()]/g, "").split("|").map((t) => t.trim());
  const actual = getAt(data, path);
  const fitting = alternatives.find((t) => /^#\w+$/.test(t) && idx.isStruct(t) === isRecord(actual));
  if (!fitting || alternatives.length < 2) return [error];
  const inner = engine.check(PIPELINE_CUE, fitting, cueJson([actual])).problems?.[0] ?? [];
  return inner.length ? inner.map(asCueError).map((e) => ({ path: [...path, ...e.path], message: e.message })) : [error];
}

/** Data as JSON for CUE, which refuses a byte order mark (U+FEFF) anywhere in its input: it is written as an escape. */
function cueJson(data: unknown): string {
  return JSON.stringify(data).replaceAll("\ufeff", "\\ufeff");
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
