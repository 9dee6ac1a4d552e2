/**
 * A pipeline as a graph: its components, what each is, and what it reads
 * from. The one shape every picture is drawn from (`flowctl graph`, the
 * playground, the Action's summary) and what the control plane is handed
 * to draw its page and judge its edges: plain data, JSON as it is.
 */

export type NodeKind = "source" | "processor" | "sink" | "pipeline";

export interface TopologyNode {
  id: string;
  kind: NodeKind;
  /** What runs: the image, else the command, on one line. */
  label: string;
  /** Upstream ids, in the order of `inputs`. */
  inputs: string[];
}

export interface Topology {
  pipeline: string;
  components: TopologyNode[];
}

/**
 * The topology as JSON text, one component to a line: what a target hands the
 * control plane in FLOWCTL_TOPOLOGY, short lines in every output format.
 */
export function topologyText(topology: Topology): string {
  const lines = topology.components.map((c) => JSON.stringify({ id: c.id, kind: c.kind, label: c.label, inputs: c.inputs }));
  return `{"pipeline":${JSON.stringify(topology.pipeline)},"components":[\n${lines.join(",\n")}\n]}`;
}

const KINDS: readonly string[] = ["source", "processor", "sink", "pipeline"];

/** Why a value (say, parsed from the control plane's env) is not a Topology; undefined when it is one. */
export function topologyProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "it is not a JSON object";
  const t = value as Record<string, unknown>;
  if (typeof t.pipeline !== "string") return "its pipeline is not a string";
  if (!Array.isArray(t.components)) return "its components are not a list";
  const ids = new Set<string>();
  for (const [i, c] of t.components.entries()) {
    const n = c as Record<string, unknown>;
    if (typeof n !== "object" || n === null) return `component ${i} is not an object`;
    if (typeof n.id !== "string" || n.id === "") return `component ${i} has no id`;
    if (ids.has(n.id)) return `component ${JSON.stringify(n.id)} is there twice`;
    ids.add(n.id);
    if (typeof n.kind !== "string" || !KINDS.includes(n.kind)) return `component ${JSON.stringify(n.id)} has no kind of ${KINDS.join(", ")}`;
    if (typeof n.label !== "string") return `component ${JSON.stringify(n.id)} has no label`;
    if (!Array.isArray(n.inputs) || n.inputs.some((x) => typeof x !== "string")) return `the inputs of ${JSON.stringify(n.id)} are not a list of ids`;
  }
  for (const c of t.components as TopologyNode[]) {
    const unknown = c.inputs.find((x) => !ids.has(x));
    if (unknown !== undefined) return `${JSON.stringify(c.id)} reads from ${JSON.stringify(unknown)}, which is not a component`;
  }
  return undefined;
}
