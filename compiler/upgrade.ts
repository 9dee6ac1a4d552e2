/**
 * Stage 2: older pipeline formats → the canonical flowctl/v1 model. Each
 * format is recognised by its header; an upgrade keeps the spans of the
 * original file, so errors found later still point at what the user wrote.
 */
import { diagnostic, type Diagnostic, quote } from "./diagnostics.ts";
import { formatPath, isRecord, type LocatedDocument, locate, type Path, type Span } from "./source.ts";

export interface UpgradeResult {
  document?: LocatedDocument;
  diagnostics: Diagnostic[];
}

type Data = Record<string, unknown>;

export function upgrade(doc: LocatedDocument): UpgradeResult {
  const data = doc.data;
  if (!isRecord(data)) {
    return {
      diagnostics: [diagnostic(
        "E_NOT_A_MAPPING",
        locate(doc, []),
        `a pipeline document must be a mapping, not ${describe(data)}`,
        "start the document with apiVersion: flowctl/v1, kind: Pipeline, metadata and spec",
      )],
    };
  }
  const { apiVersion, kind } = data;
  const isLegacyBody = !("spec" in data) && ("source" in data || "sink" in data || "version" in data);
  if (isLegacyBody) return upgraded(doc, legacyConfig(doc, data), "the legacy version/source/processors/sink format");
  if (kind === "QuickstartPipeline") {
    return {
      diagnostics: [diagnostic(
        "E_UNSUPPORTED_FORMAT",
        locate(doc, ["kind"]),
        `kind "QuickstartPipeline" (${typeof apiVersion === "string" ? apiVersion : quote(apiVersion)}) is a removed quickstart format that flowctl does not translate`,
        "rewrite it as apiVersion: flowctl/v1, kind: Pipeline with a source (stellar-live-source-datalake), " +
          "a processor and a consumer sink, each with image or type: name@version; see the README",
      )],
    };
  }
  if (kind !== undefined && kind !== "Pipeline") {
    return {
      diagnostics: [diagnostic(
        "E_UNKNOWN_FORMAT",
        locate(doc, ["kind"]),
        `kind ${JSON.stringify(kind)} is not a pipeline`,
        kind === "SandboxServices"
          ? "this is a flowctl sandbox services file; flowctl translates only kind: Pipeline"
          : "set kind: Pipeline",
      )],
    };
  }
  switch (apiVersion) {
    case "flowctl/v1":
    case undefined:
      return { document: doc, diagnostics: [] };
    case "v1":
      return upgraded(doc, renameApiVersion(doc, data), 'apiVersion "v1"');
    case "obsrvr.com/v1alpha1":
      return upgraded(doc, namedComponents(doc, data, false), 'apiVersion "obsrvr.com/v1alpha1"');
    case "flowctl.withobsrvr.com/v1":
      return upgraded(doc, namedComponents(doc, data, true), 'apiVersion "flowctl.withobsrvr.com/v1"');
    default:
      return {
        diagnostics: [diagnostic(
          "E_UNKNOWN_FORMAT",
          locate(doc, ["apiVersion"]),
          `apiVersion ${JSON.stringify(apiVersion)} is not a flowctl pipeline format`,
          "use apiVersion: flowctl/v1",
        )],
      };
  }
}

function upgraded(doc: LocatedDocument, next: LocatedDocument, format: string): UpgradeResult {
  return {
    document: next,
    diagnostics: [diagnostic(
      "W_DEPRECATED_FORMAT",
      locate(doc, isRecord(doc.data) && "apiVersion" in doc.data ? ["apiVersion"] : []),
      `${format} is deprecated; it was upgraded to flowctl/v1 in memory`,
      "rewrite the file in the flowctl/v1 format (see the README); errors below point at this file as written",
    )],
  };
}

/** Builds an upgraded document whose spans are copied from the original. */
class Rewriter {
  spans = new Map<string, Span>();
  constructor(private doc: LocatedDocument) {}

  /** Copies the span of `from` and everything below it to `to`. */
  move(from: Path, to: Path): void {
    const fromKey = formatPath(from);
    const toKey = formatPath(to);
    for (const [key, span] of this.doc.spans) {
      if (key === fromKey) this.spans.set(toKey, span);
      else if (fromKey === "" || key.startsWith(fromKey + ".") || key.startsWith(fromKey + "[")) {
        const rest = fromKey === "" ? (key.startsWith("[") ? key : "." + key) : key.slice(fromKey.length);
        this.spans.set(toKey === "" ? rest.replace(/^\./, "") : toKey + rest, span);
      }
    }
  }

  /** Points `to` at the span of `from` only (no children). */
  point(from: Path, to: Path): void {
    const span = this.doc.spans.get(formatPath(from));
    if (span) this.spans.set(formatPath(to), span);
  }

  build(data: unknown): LocatedDocument {
    return { source: this.doc.source, data, spans: this.spans };
  }
}

function renameApiVersion(doc: LocatedDocument, data: Data): LocatedDocument {
  return { ...doc, data: { ...data, apiVersion: "flowctl/v1" } };
}

const SECTIONS = ["sources", "processors", "sinks", "pipelines"] as const;

/** `name:` instead of `id:`, and for flowctl.withobsrvr.com/v1 also `spec.flow` edges. */
function namedComponents(doc: LocatedDocument, data: Data, withFlow: boolean): LocatedDocument {
  const w = new Rewriter(doc);
  w.move([], []);
  const spec: Data = isRecord(data.spec) ? { ...data.spec } : {};
  const inputs = new Map<string, { from: unknown; path: Path }[]>();
  if (withFlow && Array.isArray(spec.flow)) {
    spec.flow.forEach((edge, i) => {
      if (!isRecord(edge) || typeof edge.to !== "string") return;
      const list = inputs.get(edge.to) ?? [];
      list.push({ from: edge.from, path: ["spec", "flow", i, "from"] });
      inputs.set(edge.to, list);
    });
    delete spec.flow;
  }
  for (const section of SECTIONS) {
    const list = spec[section];
    if (!Array.isArray(list)) continue;
    spec[section] = list.map((c, i) => {
      if (!isRecord(c)) return c;
      const here: Path = ["spec", section, i];
      const { name, ...rest } = c;
      const out: Data = "id" in c ? { ...c } : { id: name, ...rest };
      if (!("id" in c)) w.point([...here, "name"], [...here, "id"]);
      const edges = typeof out.id === "string" ? inputs.get(out.id) : undefined;
      if (edges && !("inputs" in out)) {
        out.inputs = edges.map((e) => e.from);
        w.point(edges[0].path, [...here, "inputs"]);
        edges.forEach((e, j) => w.point(e.path, [...here, "inputs", j]));
      }
      return out;
    });
  }
  return w.build({ ...data, apiVersion: "flowctl/v1", spec });
}

/**
 * The legacy `version/source/processors/sink` config, also under a flowctl/v1
 * header (the "hybrid" files). Components form a linear chain; ids come from
 * `type` (source, sink) and `name` (processors); `params.image`, `command`,
 * `env`, `ports`, `health_check` and `health_port` become component fields and
 * every other param becomes `config`.
 */
function legacyConfig(doc: LocatedDocument, data: Data): LocatedDocument {
  const w = new Rewriter(doc);
  const spec: Data = {};
  let previous: string | undefined;
  const component = (raw: unknown, from: Path, to: Path, idKey: string, typeKey: string): Data | undefined => {
    if (!isRecord(raw)) return undefined;
    const out: Data = { id: raw[idKey] };
    w.point(from, to);
    w.point([...from, idKey], [...to, "id"]);
    if (typeof raw[typeKey] === "string" && raw[typeKey] !== raw[idKey]) {
      out.type = raw[typeKey];
      w.point([...from, typeKey], [...to, "type"]);
    }
    const params = isRecord(raw.params) ? raw.params : {};
    const config: Data = {};
    for (const [key, value] of Object.entries(params)) {
      const p = [...from, "params", key];
      if (key === "ports" && Array.isArray(value)) {
        out.ports = value.map((port) => ({ containerPort: typeof port === "string" ? Number(port) : port }));
        value.forEach((_, i) => w.point([...p, i], [...to, "ports", i, "containerPort"]));
        w.point(p, [...to, "ports"]);
      } else if (key === "health_port" && typeof value === "string" && /^\d+$/.test(value)) {
        out.health_port = Number(value);
        w.point(p, [...to, key]);
      } else if (["image", "command", "env", "health_check", "health_port"].includes(key)) {
        out[key] = value;
        w.move(p, [...to, key]);
      } else {
        config[key] = value;
        w.move(p, [...to, "config", key]);
      }
    }
    if (Object.keys(config).length) out.config = config;
    if (previous !== undefined) {
      out.inputs = [previous];
      w.point(from, [...to, "inputs"]);
      w.point(from, [...to, "inputs", 0]);
    }
    if (typeof out.id === "string") previous = out.id;
    return out;
  };
  const source = component(data.source, ["source"], ["spec", "sources", 0], "type", "type");
  if (source) spec.sources = [source];
  if (Array.isArray(data.processors)) {
    spec.processors = data.processors
      .map((p, i) => component(p, ["processors", i], ["spec", "processors", i], "name", "plugin"))
      .filter(Boolean);
  }
  const sink = component(data.sink, ["sink"], ["spec", "sinks", 0], "type", "type");
  if (sink) spec.sinks = [sink];
  const metadata: Data = isRecord(data.metadata) ? { ...data.metadata } : {};
  if (isRecord(data.metadata)) w.move(["metadata"], ["metadata"]);
  if (metadata.name === undefined) metadata.name = "pipeline";
  w.point([], ["spec"]);
  return w.build({ apiVersion: "flowctl/v1", kind: "Pipeline", metadata, spec });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return `a ${typeof value}`;
}
