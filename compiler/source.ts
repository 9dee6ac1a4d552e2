/**
 * A pipeline document as later stages see it: plain JSON-like data, plus where
 * each value came from in the user's file. Paths are arrays of keys and
 * indexes; their printed form (`spec.sources[0].id`) is also the map key.
 */
import { LineCounter } from "yaml";
import type { Location } from "./diagnostics.ts";

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** Offsets into the source text: where a value starts and ends, and where its key starts. */
export interface Span {
  start: number;
  end: number;
  key?: number;
  /** The file the offsets are in, when it is not the document's own (a value an overlay set). */
  source?: SourceFile;
}

export interface SourceFile {
  /** The name shown in diagnostics (relative path, or `<stdin>`). */
  name: string;
  text: string;
  lines: LineCounter;
}

/**
 * A file's bytes as text, strictly: bytes that are not UTF-8 are an error at
 * the first of them (1-based line and column, as every position), never
 * replaced in silence. A byte order mark at the start is dropped, as YAML does.
 */
export function decodeText(bytes: Uint8Array): { text: string } | { line: number; column: number; byte: number } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const bad = firstInvalidByte(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, bad - 1) + 1;
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
    const before = new TextDecoder().decode(bytes.subarray(lineStart, bad)).replace(/^\uFEFF/, "");
    return { line, column: before.length + 1, byte: bytes[bad] };
  }
}

/** The offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, surrogates or code points past U+10FFFF). */
function firstInvalidByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const [n, min, max] = b < 0x80 ? [0, 0, 0] : b >= 0xc2 && b <= 0xdf ? [1, 0x80, 0xbf] : b === 0xe0 ? [2, 0xa0, 0xbf]
      : b === 0xed ? [2, 0x80, 0x9f] : b >= 0xe1 && b <= 0xef ? [2, 0x80, 0xbf] : b === 0xf0 ? [3, 0x90, 0xbf]
      : b === 0xf4 ? [3, 0x80, 0x8f] : b >= 0xf1 && b <= 0xf3 ? [3, 0x80, 0xbf] : [-1, 0, 0];
    if (n < 0) return i;
    // The second byte has the narrow range; the others are plain continuation bytes. A sequence that
    // breaks off is reported at its first byte.
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? min : 0x80) || c > (k === 1 ? max : 0xbf)) return i;
    }
    i += n + 1;
  }
  return bytes.length;
}

export function sourceFile(name: string, text: string): SourceFile {
  const lines = new LineCounter();
  // LineCounter learns line starts from the parser; feed it directly so that
  // positions work even when the parser stopped early.
  lines.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
  return { name, text, lines };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["spec", "sources", 0, "id"]` → `spec.sources[0].id`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A document's data together with the spans of its values; `T` is what is known of the data's shape. */
export interface LocatedDocument<T = unknown> {
  source: SourceFile;
  data: T;
  spans: Map<string, Span>;
}

/** Where a path points: its own span, or that of the nearest ancestor the user wrote. */
export function locate(doc: LocatedDocument, path: Path, onKey = false): Location {
  for (let n = path.length; n >= 0; n--) {
    const span = doc.spans.get(formatPath(path.slice(0, n)));
    if (!span) continue;
    const offset = onKey && n === path.length && span.key !== undefined ? span.key : span.start;
    const file = span.source ?? doc.source;
    const pos = file.lines.linePos(offset);
    return { file: file.name, line: pos.line, column: pos.col, path: formatPath(path) };
  }
  return { file: doc.source.name, line: 1, column: 1, path: formatPath(path) };
}

/** The text the user wrote for a scalar (so `1` stays `1` and `0x10` stays `0x10`). */
export function sourceText(doc: LocatedDocument, path: Path): string | undefined {
  const span = doc.spans.get(formatPath(path));
  return span ? (span.source ?? doc.source).text.slice(span.start, span.end) : undefined;
}

/** Reads a value at a path in plain data. */
export function getAt(data: unknown, path: Path): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/** A copy with keys in code-point order, so output does not depend on the order a user wrote. */
export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
