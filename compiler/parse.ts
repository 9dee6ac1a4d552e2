/**
 * Stage 1: text → documents. YAML 1.2 and JSON (JSON is read by the same YAML
 * parser, which keeps positions), several documents per file, anchors, aliases
 * and merge keys. Resource limits are part of the contract: a hostile file gets
 * a diagnostic quickly instead of a hang.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Node, parseAllDocuments, type Document } from "yaml";
import { diagnostic, type Diagnostic } from "./diagnostics.ts";
import { formatPath, type LocatedDocument, type Path, type SourceFile, type Span } from "./source.ts";

export const LIMITS = {
  /** Larger files are refused before parsing. */
  maxBytes: 4 * 1024 * 1024,
  /** Values produced by expanding aliases, across one document. */
  maxAliasNodes: 10_000,
  /** Nesting depth of mappings and sequences. */
  maxDepth: 64,
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

  let yamlDocs: Document.Parsed[];
  try {
    yamlDocs = parseAllDocuments(source.text, { uniqueKeys: true, prettyErrors: false, strict: true });
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
  for (const doc of yamlDocs) {
    const errors = doc.errors.map((e) =>
      e.code === "DUPLICATE_KEY"
        ? diagnostic("E_DUPLICATE_KEY", where(e.pos[0]), firstLine(e.message), "remove or rename one of the keys")
        : diagnostic(
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
    const walker = new Walker(source, doc);
    const data = walker.value(doc.contents as Node, [], 0);
    diagnostics.push(...walker.diagnostics);
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

function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** Converts YAML nodes to plain data, recording spans and expanding aliases within limits. */
class Walker {
  spans = new Map<string, Span>();
  diagnostics: Diagnostic[] = [];
  private aliasNodes = 0;
  private stopped = false;

  constructor(private source: SourceFile, private doc: Document.Parsed) {}

  value(node: Node | null, path: Path, depth: number, viaAlias = false, keyOffset?: number): unknown {
    if (this.stopped || node === null) return null;
    if (depth > LIMITS.maxDepth) return this.stop(tooDeep(this.where(node)));
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) return null;
      // The alias site is what the user wrote here; children point into the anchor.
      this.record(path, node.range![0], node.range![1], keyOffset);
      return this.value(target, path, depth, true);
    }
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
      return typeof v === "bigint" ? Number(v) : v;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => this.value(item as Node, [...path, i], depth + 1, viaAlias));
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const merged: Record<string, unknown>[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : keyNode === null ? "" : String(keyNode);
        if (key === "<<" && isScalar(keyNode) && keyNode.type === "PLAIN") {
          const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const s of sources) {
            const v = this.value(s as Node, path, depth + 1, true);
            if (v && typeof v === "object" && !Array.isArray(v)) merged.push(v as Record<string, unknown>);
          }
          continue;
        }
        out[key] = this.value(pair.value as Node, [...path, key], depth + 1, viaAlias, keyNode?.range?.[0]);
      }
      // Merge keys: explicit keys win, then earlier merge sources win.
      for (const m of merged) for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
      return out;
    }
    return null;
  }

  private record(path: Path, start: number, end: number, key?: number) {
    this.spans.set(formatPath(path), { start, end, key });
  }

  private stop(d: Diagnostic): null {
    this.diagnostics.push(d);
    this.stopped = true;
    return null;
  }

  private where(node: Node) {
    const pos = this.source.lines.linePos(node.range?.[0] ?? 0);
    return { file: this.source.name, line: pos.line, column: pos.col, path: "" };
  }
}
