/**
 * Diagnostics are data: every problem flowctl finds is one of these records,
 * collected and returned, never thrown. Line and column are 1-based and always
 * point into the user's own file. A bug that throws is turned into one too
 * (E_INTERNAL), at the place it was working on.
 */

export type Severity = "error" | "warning";

/** The closed set of diagnostic codes; the README's "Diagnostic codes" table explains each one. */
export const DIAGNOSTIC_CODES = {
  // Reading the file
  E_FILE_TOO_LARGE: "the file is larger than flowctl reads",
  E_EMPTY_FILE: "the file holds no pipeline",
  E_SYNTAX: "the file is not valid YAML or JSON",
  E_DUPLICATE_KEY: "a mapping has the same key twice",
  E_ALIAS_LIMIT: "aliases expand to too many values (billion laughs)",
  E_TOO_DEEP: "values are nested deeper than flowctl reads",
  E_TOO_MANY_ENTRIES: "a mapping or list has more entries than flowctl reads",
  E_NOT_A_MAPPING: "a pipeline document must be a mapping",
  E_OVERLAY: "an overlay changes a component the files before it do not have, or one without an id",
  E_SET_PATH: "a --set path addresses nothing (a usage error on the command line)",
  E_FILE_SOURCE: "a file's source cannot be read: missing, not UTF-8 text, too large, or this host reads no files",
  // Formats
  E_UNKNOWN_FORMAT: "the apiVersion/kind pair is not a flowctl pipeline",
  E_UNSUPPORTED_FORMAT: "an older flowctl format that cannot be upgraded faithfully",
  W_DEPRECATED_FORMAT: "an older flowctl format, upgraded in memory",
  // Schema (CUE)
  E_UNKNOWN_KEY: "a key the schema does not allow",
  E_MISSING_FIELD: "a required field is missing",
  E_TYPE: "a value has the wrong type",
  E_VALUE: "a value is out of its allowed range or set",
  E_ERROR_LIMIT: "so many structure errors in a document that flowctl stopped listing them",
  // Graph
  E_NO_COMPONENTS: "the pipeline has no source and no pipeline component",
  E_DUPLICATE_ID: "two components share one id",
  E_UNKNOWN_INPUT: "an input names no component",
  E_CYCLE: "inputs form a cycle",
  E_SOURCE_HAS_INPUTS: "a source lists inputs",
  E_NO_INPUTS: "a processor or sink has no inputs",
  E_NO_EXECUTABLE: "a component has no image, command or registry type",
  E_HEALTH_PORT: "a health check has no port",
  E_PORT_CONFLICT: "two components publish the same host port",
  E_NAME_COLLISION: "two ids become the same name on a target",
  W_UNCONSUMED: "nothing consumes a component's output",
  W_NAME_SANITIZED: "an id is not usable as a name everywhere",
  // Targets
  E_UNKNOWN_TARGET: "no generator has that name",
  E_TARGET_OPTION: "a target option has an unknown name or a bad value",
  E_TARGET_UNSUPPORTED: "the target cannot express a component",
  W_TARGET_DROPPED: "the target cannot express a setting, which is left out",
  W_ENV_REPLACED: "a FLOWCTL_* value the target would break was replaced",
  W_NO_UPSTREAM_PORT: "an upstream has no serving port to wire",
  W_TARGET_CAVEAT: "the target runs a setting differently than other targets do",
  E_INTERNAL: "a bug in flowctl",
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  /** Path in the document, e.g. `spec.processors[0].inputs[1]`; "" for the whole file. */
  path: string;
  /** What to do about it. */
  hint: string;
}

/** A place in a user's file (1-based line and column) and the document path of the value there. */
export interface Location {
  file: string;
  line: number;
  column: number;
  /** Path in the document, e.g. `spec.processors[0].inputs[1]`; "" for the whole file. */
  path: string;
}

export function diagnostic(
  code: DiagnosticCode,
  where: Location,
  message: string,
  hint: string,
): Diagnostic {
  const severity: Severity = code.startsWith("W_") ? "warning" : "error";
  return { code, severity, message, file: where.file, line: where.line, column: where.column, path: where.path, hint };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1 };

/** Sorts by file, line, column, severity, code, message, and drops exact repeats. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = JSON.stringify([d.file, d.line, d.column, d.code, d.message, d.path]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) =>
    cmp(a.file, b.file) || a.line - b.line || a.column - b.column ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || cmp(a.code, b.code) || cmp(a.message, b.message)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const BUG_HINT = "this is a bug in flowctl; please report it with the pipeline file";

/**
 * A throw that knows where flowctl was working: the stage that catches it
 * reports E_INTERNAL there (a component's line) instead of at the file's start.
 */
export class InternalError extends Error {
  constructor(readonly where: Location, readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

/** Runs one step for the value at `where`; a throw inside becomes an InternalError at that place. */
export function atPlace<T>(where: Location, step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw err instanceof InternalError ? err : new InternalError(where, err);
  }
}

/** E_INTERNAL for something a stage threw: at its own place when it knows one, else at `fallback`. */
export function internalError(err: unknown, fallback: Location, what: string): Diagnostic {
  const where = err instanceof InternalError ? err.where : fallback;
  const reason = err instanceof InternalError ? err.reason : err;
  const detail = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  return diagnostic("E_INTERNAL", where, `${what} failed: ${detail}`, BUG_HINT);
}

export function isInternal(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.code === "E_INTERNAL");
}

/**
 * `file:line:col severity CODE: message (hint: ...)`, one line per diagnostic.
 * Control characters from the user's values are shown escaped, so a message
 * never breaks the line or sends a terminal escape sequence.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? ` (hint: ${d.hint})` : "";
  return printable(`${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}${hint}`);
}

/** The text with control characters escaped (`\n`, `\u001b`): safe to print on one line of a terminal. */
export function printable(text: string): string {
  // deno-lint-ignore no-control-regex -- control characters are what this looks for
  return text.replace(/[\x00-\x1f\x7f\u0085\u2028\u2029]/g, (ch) =>
    ch === "\n" ? "\\n" : ch === "\r" ? "\\r" : ch === "\t" ? "\\t" : `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Quotes a user value for a message: short, one line, JSON-escaped. */
export function quote(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  const shown = text.length > 60 ? text.slice(0, 57) + "..." : text;
  return JSON.stringify(shown);
}
