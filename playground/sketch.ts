/**
 * The graph of what is being edited, drawn in the browser before (and
 * whether or not) the pipeline is valid: each document is parsed and
 * upgraded as the compiler does, and its components are read leniently
 * (entries without an id are left out, a repeated id is drawn once, an input
 * that names no component or the component itself draws no edge). For a
 * valid pipeline this is the topology `flowctl graph` draws: the same
 * components, labels and order (the IR's: topological, ties in file order).
 * Where each component was written is kept, so a diagnostic finds its node.
 */
import type { Diagnostic } from "../compiler/diagnostics.ts";
import { isRegistryType, registryImage, SECTIONS } from "../compiler/format.ts";
import { parseSource } from "../compiler/parse.ts";
import { formatPath, isRecord, type LocatedDocument, sourceFile, sourceText } from "../compiler/source.ts";
import { upgrade } from "../compiler/upgrade.ts";
import type { Topology, TopologyNode } from "../graph/topology.ts";

/** Where one component entry was written: its path (`spec.sources[0]`) and its first and last line. */
export interface Place {
  id: string;
  path: string;
  firstLine: number;
  lastLine: number;
}

export interface Sketch {
  topology: Topology;
  /** Every entry with an id, repeated ids included, in file order. */
  places: Place[];
}

interface Entry {
  node: TopologyNode;
  dependsOn: string[];
  index: number;
}

/** The label `topologyOf` gives: the image (a registry type's image), else the command as written, on one line. */
function labelOf(doc: LocatedDocument, path: (string | number)[], c: Record<string, unknown>): string {
  let label = "";
  if (typeof c.image === "string") label = c.image;
  else if (isRegistryType(c.type)) label = registryImage(c.type);
  else if (Array.isArray(c.command)) {
    label = c.command.map((v, i) => (typeof v === "string" ? v : sourceText(doc, [...path, "command", i]) ?? String(v))).join(" ");
  }
  return label.replace(/\s+/g, " ");
}

function ids(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Kahn's order over inputs and depends_on, the ready component written first going first; what a cycle holds follows in file order. */
function topological(entries: Entry[]): Entry[] {
  const known = new Set(entries.map((e) => e.node.id));
  const waiting = new Map(entries.map((e) => [e.node.id, new Set([...e.node.inputs, ...e.dependsOn].filter((d) => known.has(d) && d !== e.node.id))]));
  const out: Entry[] = [];
  const done = new Set<string>();
  while (out.length < entries.length) {
    const ready = entries.find((e) => !done.has(e.node.id) && [...waiting.get(e.node.id)!].every((d) => done.has(d))) ??
      entries.find((e) => !done.has(e.node.id))!;
    out.push(ready);
    done.add(ready.node.id);
  }
  return out;
}

function sketchOf(doc: LocatedDocument): Sketch {
  const data = doc.data as Record<string, unknown>;
  const metadata = isRecord(data.metadata) ? data.metadata : {};
  const spec = isRecord(data.spec) ? data.spec : {};
  const entries: Entry[] = [];
  const seen = new Set<string>();
  const places: Place[] = [];
  for (const { key, kind } of SECTIONS) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (!isRecord(c) || typeof c.id !== "string" || c.id === "") return;
      const path = ["spec", key, i];
      const span = doc.spans.get(formatPath(path));
      if (span) {
        const lines = (span.source ?? doc.source).lines;
        places.push({ id: c.id, path: formatPath(path), firstLine: lines.linePos(span.start).line, lastLine: lines.linePos(Math.max(span.start, span.end - 1)).line });
      }
      if (seen.has(c.id)) return;
      seen.add(c.id);
      entries.push({ node: { id: c.id, kind, label: labelOf(doc, path, c), inputs: ids(c.inputs) }, dependsOn: ids(c.depends_on), index: entries.length });
    });
  }
  const components = topological(entries).map(({ node }) => ({
    ...node,
    inputs: [...new Set(node.inputs.filter((input) => seen.has(input) && input !== node.id))],
  }));
  return { topology: { pipeline: typeof metadata.name === "string" ? metadata.name : "pipeline", components }, places };
}

/** A sketch of each pipeline document in the text, in file order; a document that cannot be read has none. */
export function sketchPipelines(text: string, filename = "pipeline.yaml"): Sketch[] {
  const parsed = parseSource(sourceFile(filename, text));
  return parsed.documents.flatMap((doc) => {
    const up = upgrade(doc);
    return up.document && isRecord(up.document.data) ? [sketchOf(up.document)] : [];
  });
}

/**
 * The component a diagnostic is about, as the sketch it belongs to (an index
 * into `sketches`) and its id: the entry its path names (`spec.sinks[0].inputs[0]`)
 * among those whose lines hold it, else the narrowest entry whose lines hold
 * it. Undefined when it is about no component (metadata, the control plane).
 */
export function componentOf(d: Pick<Diagnostic, "line" | "path">, sketches: readonly Sketch[]): { sketch: number; id: string } | undefined {
  const entry = /^spec\.(?:sources|processors|sinks|pipelines)\[\d+\]/.exec(d.path)?.[0];
  const holding = sketches.flatMap((s, sketch) => s.places.filter((p) => p.firstLine <= d.line && d.line <= p.lastLine).map((p) => ({ sketch, p })));
  const named = holding.find(({ p }) => p.path === entry);
  if (named) return { sketch: named.sketch, id: named.p.id };
  if (entry) {
    // A path names the entry even where no line of it holds the diagnostic (a value an overlay set): if one document has it.
    const anywhere = sketches.flatMap((s, sketch) => s.places.filter((p) => p.path === entry).map((p) => ({ sketch, p })));
    if (anywhere.length === 1) return { sketch: anywhere[0].sketch, id: anywhere[0].p.id };
  }
  const narrowest = holding.sort((a, b) => (a.p.lastLine - a.p.firstLine) - (b.p.lastLine - b.p.firstLine))[0];
  return narrowest && { sketch: narrowest.sketch, id: narrowest.p.id };
}
