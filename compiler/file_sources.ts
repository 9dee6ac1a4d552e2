/**
 * A component file's `source` (a path relative to the pipeline file) is read
 * by the host, never here: the host asks which sources a pipeline names
 * (`fileSources`), reads them, and hands the bytes over; `withSources` puts
 * each one's text in place as `content`, pointing at the `source` line, so
 * later stages see text only. A source the host did not give, text that is
 * not UTF-8, or too much of it is E_FILE_SOURCE at its line.
 */
import { diagnostic, type Diagnostic, quote } from "./diagnostics.ts";
import { SECTIONS } from "./format.ts";
import { FILE_LIMIT_BYTES } from "./graph.ts";
import { formatPath, isRecord, type LocatedDocument, locate } from "./source.ts";

/** Each file entry of each component: where it is, and the entry. */
function* fileEntries(data: unknown): Generator<{ section: string; i: number; j: number; file: Record<string, unknown> }> {
  const spec = isRecord(data) ? data.spec : undefined;
  if (!isRecord(spec)) return;
  for (const { key: section } of SECTIONS) {
    const list = spec[section];
    if (!Array.isArray(list)) continue;
    for (const [i, c] of list.entries()) {
      const files = isRecord(c) ? c.files : undefined;
      if (Array.isArray(files)) for (const [j, file] of files.entries()) if (isRecord(file)) yield { section, i, j, file };
    }
  }
}

/** The sources the documents name, once each, in order: what a host reads for withSources. */
export function fileSources(documents: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const d of documents) for (const { file } of fileEntries(d)) if (typeof file.source === "string") out.add(file.source);
  return [...out];
}

/** The document with each readable source's text as its file's content (a new document; the one given is not changed). */
export function withSources(doc: LocatedDocument, sources: ReadonlyMap<string, Uint8Array> | undefined, diagnostics: Diagnostic[]): LocatedDocument {
  const entries = [...fileEntries(doc.data)].filter(({ file }) => typeof file.source === "string" && !Object.hasOwn(file, "content"));
  if (!entries.length) return doc;
  const data = structuredClone(doc.data) as { spec: Record<string, { files: Record<string, unknown>[] }[]> };
  const spans = new Map(doc.spans);
  for (const { section, i, j, file } of entries) {
    const path = ["spec", section, i, "files", j];
    const where = locate(doc, [...path, "source"]);
    const source = file.source as string;
    const bytes = sources?.get(source);
    const problem = (message: string, hint: string) => diagnostics.push(diagnostic("E_FILE_SOURCE", where, message, hint));
    if (!sources) {
      problem(`file source ${quote(source)} is not read here (this host reads no files)`, "give the file's text as content:, or use the CLI, which reads it");
      continue;
    }
    if (!bytes) {
      problem(`cannot read file source ${quote(source)} (relative to the pipeline file)`, "check the path; it is read from the pipeline file's folder");
      continue;
    }
    if (bytes.length > FILE_LIMIT_BYTES) {
      problem(`file source ${quote(source)} is over ${FILE_LIMIT_BYTES / 1024} KiB`, "mount a volume for large files");
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      problem(`file source ${quote(source)} is not UTF-8 text`, "files are text; mount a volume for binary data");
      continue;
    }
    const entry = data.spec[section][i].files[j];
    delete entry.source;
    entry.content = text;
    const span = spans.get(formatPath([...path, "source"]));
    if (span) spans.set(formatPath([...path, "content"]), span);
  }
  return { source: doc.source, data, spans };
}
