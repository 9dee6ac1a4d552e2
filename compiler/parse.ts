/**
 * Stage 1: text → documents. YAML 1.2 and JSON (JSON is read by the same YAML
 * parser, which keeps positions), several documents per file, anchors, aliases
 * and merge keys. Resource limits are part of the contract: a hostile file gets
 * a diagnostic quickly instead of a hang, and the work done grows linearly with
 * the file: duplicate keys are found with a set per mapping (the parser's own
 * check compares every pair), aliases through an index of anchors built once
 * per document, and nesting the parser would recurse into, or more values
 * than a file may hold, are refused by a scan of the text before it runs.
 */
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node, parseAllDocuments, visit } from "yaml";
import { diagnostic, type Diagnostic } from "./diagnostics.ts";
import { formatPath, type LocatedDocument, type Path, type SourceFile, type Span } from "./source.ts";

export const LIMITS = {
  /** Larger files are refused before parsing. */
  maxBytes: 4 * 1024 * 1024,
  /** Values produced by expanding aliases, across one document (below maxValues, so a billion laughs says so). */
  maxAliasNodes: 5_000,
  /** Nesting depth of mappings and sequences. */
  maxDepth: 64,
  /**
   * Keys of one mapping, items of one list. CUE's time grows with the square
   * of these (8,000 keys: over a second), far beyond what any pipeline holds.
   */
  maxMapEntries: 2_000,
  maxListEntries: 10_000,
  /**
   * Values in one file, all documents and alias expansions together. CUE
   * takes about 100 µs a value once warm (more in a fresh process), so this
   * keeps a file's check near a second; the largest real pipelines hold a
   * few hundred.
   */
  maxValues: 10_000,
  /**
   * Nesting the text scan refuses before the YAML parser runs: the parser
   * recurses, and takes seconds, on thousands of levels (`- - - …`, `[[[…`).
   * Far above maxDepth, so the scan, which only estimates, never refuses a
   * file the parser would accept.
   */
  maxScannedDepth: 1_000,
};

export interface ParseResult {
  documents: LocatedDocument[];
  diagnostics: Diagnostic[];
}

export function parseSource(source: SourceFile): ParseResult {
  const where = (offset: number, path = "") => {
    const pos = source.lines.linePos(offset);
    return { file: source.name, line: pos.line, column: pos.col, path };
  };
  const size = new TextEncoder().encode(source.text).length;
  if (size > LIMITS.maxBytes) {
    return {
      documents: [],
      diagnostics: [diagnostic(
        "E_FILE_TOO_LARGE",
        where(0),
        `file is ${size} bytes, more than the ${LIMITS.maxBytes} bytes flowctl reads`,
        "split the pipeline into several files",
      )],
    };
  }
  if (source.text.trim() === "") {
    return { documents: [], diagnostics: [emptyFile(where(0))] };
  }

  const shape = scanText(source.text);
  if (shape.deep !== undefined) return { documents: [], diagnostics: [tooDeep(where(shape.deep))] };
  if (shape.crowded !== undefined) return { documents: [], diagnostics: [tooManyValues(where(shape.crowded))] };

  let yamlDocs: Document.Parsed[];
  try {
    yamlDocs = parseAllDocuments(source.text, { uniqueKeys: false, prettyErrors: false, strict: true });
  } catch (err) {
    // The parser recurses on nesting; a stack overflow here means a hostile file.
    if (err instanceof RangeError) {
      return { documents: [], diagnostics: [tooDeep(where(0))] };
    }
    throw err;
  }
  const isJson = /^\s*[{[]/.test(source.text);
  const documents: LocatedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const values = { left: LIMITS.maxValues };
  for (const doc of yamlDocs) {
    const errors = doc.errors.map((e) =>
      diagnostic(
        "E_SYNTAX",
        where(e.pos[0]),
        firstLine(e.message),
        isJson ? "fix the JSON syntax at this place" : "fix the YAML syntax at this place (indentation, quotes, colons)",
      )
    );
    if (errors.length) {
      diagnostics.push(...errors);
      continue;
    }
    if (doc.contents === null) continue; // comment-only document
    const walker = new Walker(source, doc, values);
    const data = walker.value(doc.contents as Node, [], 0);
    diagnostics.push(...walker.diagnostics);
    if (values.left < 0) break; // the rest of the file is not read
    // A document of only comments (or an explicit null) holds no pipeline.
    if (walker.diagnostics.length === 0 && data !== null) documents.push({ source, data, spans: walker.spans });
  }
  if (documents.length === 0 && diagnostics.length === 0) diagnostics.push(emptyFile(where(0)));
  return { documents, diagnostics };
}

function emptyFile(where: { file: string; line: number; column: number; path: string }): Diagnostic {
  return diagnostic(
    "E_EMPTY_FILE",
    where,
    "file holds no pipeline document",
    "start from the example in the README: apiVersion: flowctl/v1, kind: Pipeline, metadata, spec",
  );
}

function tooDeep(where: { file: string; line: number; column: number; path: string }): Diagnostic {
  return diagnostic(
    "E_TOO_DEEP",
    where,
    `values are nested more than ${LIMITS.maxDepth} levels deep`,
    "a pipeline needs only a few levels; flatten the nested value",
  );
}

function tooManyValues(where: { file: string; line: number; column: number; path: string }): Diagnostic {
  return diagnostic(
    "E_TOO_MANY_ENTRIES",
    where,
    `the file holds more than ${LIMITS.maxValues} values, more than flowctl reads`,
    "a pipeline needs far fewer; split the file, or move data into a file the component reads",
  );
}

/**
 * What the text shows before the YAML parser runs, which takes seconds on a
 * megabyte of small values and recurses on deep nesting: where it nests far
 * deeper than any pipeline (`- - - x`, `[[[`: `deep`), and where it has more
 * lines and flow items than LIMITS.maxValues (`crowded`). A line or a flow
 * item is at least one value, and lines inside quotes, comments and block
 * scalars (`|`, `>`) are not counted, so the scan refuses only files the
 * walker would refuse too; what it misses, the parser and walker still catch.
 */
function scanText(text: string): { deep?: number; crowded?: number } {
  let flow = 0;
  let quote: "" | "'" | '"' = "";
  let entries = 0;
  let blockIndent = -1; // inside a block scalar opened on a line with this indent
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    let i = start;
    while (i < end && (text[i] === " " || text[i] === "\t")) i++;
    const indent = i - start;
    const blank = i === end || text[i] === "#" || text[i] === "\r";
    if (!quote && blockIndent >= 0) {
      if (blank || indent > blockIndent) {
        start = end + 1;
        continue;
      }
      blockIndent = -1;
    }
    if (!quote && !blank && flow === 0 && ++entries > LIMITS.maxValues) return { crowded: i };
    // Sequence or explicit-key indicators: "-" or "?" followed by a blank, any number on one line.
    let compact = 0;
    while (!quote && (text[i] === "-" || text[i] === "?") && (text[i + 1] === " " || text[i + 1] === "\t")) {
      if (++compact > LIMITS.maxScannedDepth) return { deep: i };
      i += 2;
      while (text[i] === " " || text[i] === "\t") i++;
    }
    const content = i;
    for (; i < end; i++) {
      const ch = text[i];
      if (quote) {
        if (ch === "\\" && quote === '"') i++;
        else if (ch === quote) quote = "";
        continue;
      }
      if (ch === "#" && (i === start || text[i - 1] === " " || text[i - 1] === "\t")) break;
      if (ch === '"' || (ch === "'" && flow > 0)) quote = ch;
      else if (ch === "[" || ch === "{") {
        if (++flow > LIMITS.maxScannedDepth) return { deep: i };
      } else if ((ch === "]" || ch === "}") && flow > 0) flow--;
      else if (ch === "," && flow > 0 && ++entries > LIMITS.maxValues) return { crowded: i };
    }
    if (!quote && flow === 0 && /(?:^|[\s:])[|>][-+0-9]*\s*(?:#.*)?$/.test(text.slice(content, end))) blockIndent = indent;
    start = end + 1;
  }
  return {};
}

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** Converts YAML nodes to plain data, recording spans and expanding aliases within limits. */
class Walker {
  spans = new Map<string, Span>();
  diagnostics: Diagnostic[] = [];
  private aliasNodes = 0;
  private stopped = false;
  /** Anchor name → the nodes that carry it, in document order (an alias takes the last before it). */
  private anchors = new Map<string, Node[]>();

  constructor(private source: SourceFile, doc: Document.Parsed, private values: { left: number }) {
    visit(doc, (_key, node) => {
      const anchored = node as (Node & { anchor?: string }) | null; // null: an empty key (`? `) or value
      if (anchored?.anchor) this.anchors.get(anchored.anchor)?.push(anchored) ?? this.anchors.set(anchored.anchor, [anchored]);
    });
  }

  value(node: Node | null, path: Path, depth: number, viaAlias = false, keyOffset?: number): unknown {
    if (this.stopped || node === null) return null;
    if (depth > LIMITS.maxDepth) return this.stop(tooDeep(this.where(node)));
    if (isAlias(node)) {
      const target = this.anchorFor(node.source, node.range![0]);
      if (!target) return null;
      // The alias site is what the user wrote here; children point into the anchor.
      this.record(path, node.range![0], node.range![1], keyOffset);
      return this.value(target, path, depth, true);
    }
    if (--this.values.left < 0) return this.stop(tooManyValues(this.where(node)));
    if (viaAlias && ++this.aliasNodes > LIMITS.maxAliasNodes) {
      return this.stop(diagnostic(
        "E_ALIAS_LIMIT",
        this.where(node),
        `aliases expand to more than ${LIMITS.maxAliasNodes} values`,
        "write the values out, or use fewer nested aliases",
      ));
    }
    if (!viaAlias || !this.spans.has(formatPath(path))) this.record(path, node.range![0], node.range![1], keyOffset);
    if (isScalar(node)) {
      const v = node.value;
      // An escape (`"\ud800"`) can make a string no UTF-8 file or output can carry.
      if (typeof v === "string" && !v.isWellFormed()) return this.stop(notText(this.where(node), path));
      return typeof v === "bigint" ? Number(v) : v;
    }
    if ((isSeq(node) || isMap(node)) && node.items.length > (isSeq(node) ? LIMITS.maxListEntries : LIMITS.maxMapEntries)) {
      const [what, max] = isSeq(node) ? ["items", LIMITS.maxListEntries] : ["keys", LIMITS.maxMapEntries];
      return this.stop(diagnostic(
        "E_TOO_MANY_ENTRIES",
        { ...this.where(node), path: formatPath(path) },
        `this ${isSeq(node) ? "list" : "mapping"} has ${node.items.length} ${what}, more than the ${max} flowctl reads`,
        "a pipeline needs far fewer; split it, or move the data into a file the component reads",
      ));
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => this.value(item as Node, [...path, i], depth + 1, viaAlias));
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Map<string, Node | null>();
      const merged: Record<string, unknown>[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : keyNode === null ? "" : String(keyNode);
        if (!key.isWellFormed()) return this.stop(notText(this.where(keyNode), [...path, key]));
        if (key === "<<" && isScalar(keyNode) && keyNode.type === "PLAIN") {
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const s of sources) {
            const v = this.value(s as Node, path, depth + 1, true);
            if (v && typeof v === "object" && !Array.isArray(v)) merged.push(v as Record<string, unknown>);
          }
          continue;
        }
        if (seen.has(key)) return this.stop(this.duplicateKey(key, seen.get(key)!, keyNode, path));
        seen.set(key, keyNode);
        own(out, key, this.value(pair.value as Node, [...path, key], depth + 1, viaAlias, keyNode?.range?.[0]));
      }
      // Merge keys: explicit keys win, then earlier merge sources win.
      for (const m of merged) for (const [k, v] of Object.entries(m)) if (!Object.hasOwn(out, k)) own(out, k, v);
      return out;
    }
    return null;
  }

  /** The node an alias names: the last anchor of that name before it, as YAML says. */
  private anchorFor(name: string, offset: number): Node | undefined {
    const nodes = this.anchors.get(name) ?? [];
    let lo = 0, hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((nodes[mid].range?.[0] ?? 0) < offset) lo = mid + 1;
      else hi = mid;
    }
    return nodes[lo - 1];
  }

  private duplicateKey(key: string, first: Node | null, second: Node | null, path: Path): Diagnostic {
    const at = this.source.lines.linePos(first?.range?.[0] ?? 0);
    return diagnostic(
      "E_DUPLICATE_KEY",
      { ...this.where(second), path: formatPath([...path, key]) },
      `key ${JSON.stringify(key)} appears twice in this mapping (first at line ${at.line})`,
      "remove or rename one of the keys",
    );
  }

  private record(path: Path, start: number, end: number, key?: number) {
    this.spans.set(formatPath(path), { start, end, key });
  }

  private stop(d: Diagnostic): null {
    this.diagnostics.push(d);
    this.stopped = true;
    return null;
  }

  private where(node: Node | null) {
    const pos = this.source.lines.linePos(node?.range?.[0] ?? 0);
    return { file: this.source.name, line: pos.line, column: pos.col, path: "" };
  }
}

function notText(where: { file: string; line: number; column: number; path: string }, path: Path): Diagnostic {
  return diagnostic(
    "E_SYNTAX",
    { ...where, path: formatPath(path) },
    "this string holds an unpaired surrogate escape (\\uD800–\\uDFFF alone), which is no character",
    "write the character itself, or both halves of its surrogate pair",
  );
}

/** Sets an own property, also for keys such as `__proto__` that plain assignment would treat specially. */
function own(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
