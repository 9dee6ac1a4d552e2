/**
 * The pipeline as the control plane sees it right now: each component of
 * the pipeline's graph (when the target handed it over) with its live state,
 * plus any registered component the graph does not name. What the page at
 * `/` draws and `/api/pipeline` answers; pure, over the registry and a clock.
 */
import type { Topology, TopologyNode } from "../graph/topology.ts";
import { enumText } from "./open_enum.ts";
import type { ComponentRecord, Registry } from "./registry.ts";

/** A component's state on the page: the worst of its services', or not registered at all. */
export type ComponentState = "healthy" | "degraded" | "unhealthy" | "unknown" | "not-registered";

export interface ComponentView {
  id: string;
  kind: string;
  label: string;
  inputs: string[];
  state: ComponentState;
  /** Its registered services (several when it runs replicas). */
  services: {
    serviceId: string;
    /** `HEALTHY`, or `UNKNOWN(42)` for a value the schema does not name. */
    status: string;
    heartbeatAgeSeconds: number;
    restarts: number;
    metrics: Record<string, string>;
  }[];
}

export interface PipelineView {
  pipeline: string;
  health: "healthy" | "degraded" | "unhealthy";
  components: ComponentView[];
}

/** Worst first: a component is as well as its least well service. */
const ORDER: ComponentState[] = ["unhealthy", "degraded", "unknown", "healthy"];

export function pipelineView(registry: Registry, topology: Topology | undefined, now: number): PipelineView {
  const byComponent = new Map<string, ComponentRecord[]>();
  for (const r of registry.all()) {
    const list = byComponent.get(r.component.id) ?? [];
    list.push(r);
    byComponent.set(r.component.id, list);
  }
  const nodes: TopologyNode[] = [...(topology?.components ?? [])];
  const named = new Set(nodes.map((n) => n.id));
  for (const [id, records] of byComponent) {
    if (!named.has(id)) nodes.push({ id, kind: kindOf(records[0].component.type), label: records[0].component.name, inputs: [] });
  }
  const components = nodes.map((n): ComponentView => {
    const records = byComponent.get(n.id) ?? [];
    const states = records.map((r) => stateOf(enumText(r.status)));
    return {
      ...n,
      state: records.length ? ORDER.find((s) => states.includes(s))! : "not-registered",
      services: records.map((r) => ({
        serviceId: r.serviceId,
        status: enumText(r.status),
        heartbeatAgeSeconds: Math.max(0, Math.round((now - r.lastHeartbeat) / 100) / 10),
        restarts: registry.restarts(r.serviceId),
        metrics: r.metrics,
      })),
    };
  });
  const healthy = components.filter((c) => c.state === "healthy").length;
  const health = components.length > 0 && healthy === components.length ? "healthy" : healthy === 0 ? "unhealthy" : "degraded";
  return { pipeline: topology?.pipeline ?? "", health, components };
}

/** The graph the page draws: the handed-over one, with registered strangers added as lone nodes. */
export function viewTopology(view: PipelineView): Topology {
  return { pipeline: view.pipeline, components: view.components.map(({ id, kind, label, inputs }) => ({ id, kind: kind as TopologyNode["kind"], label, inputs })) };
}

function stateOf(status: string): ComponentState {
  switch (status) {
    case "HEALTHY":
      return "healthy";
    case "DEGRADED":
      return "degraded";
    case "UNHEALTHY":
    case "STOPPING":
      return "unhealthy";
    default:
      return "unknown";
  }
}

function kindOf(type: ComponentRecord["component"]["type"]): TopologyNode["kind"] {
  return type === "SOURCE" ? "source" : type === "CONSUMER" ? "sink" : "processor";
}
