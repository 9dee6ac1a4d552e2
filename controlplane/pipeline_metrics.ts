/**
 * The pipeline as a whole on /metrics: how many components are in each state,
 * counting those its topology names that never registered, and whether both
 * ends of each of its edges are healthy. A topology id is matched to the
 * registered components with that component id; several of them (replicas)
 * are healthy only when all are.
 */
import type { Topology } from "../graph/topology.ts";
import type { MetricFamily } from "./component_metrics.ts";
import type { PipelineView } from "./pipeline_view.ts";
import { type ComponentRecord, HEALTH_STATUSES } from "./registry.ts";

/**
 * `flowctl_pipeline_components{state}`: registered services by status in lower
 * case (`unknown` also for values the schema does not name), every status
 * present (0 included), and with a topology `not_registered`
 * for its components no service has registered for.
 * `flowctl_pipeline_edge_healthy{from, to}`: per edge of the topology, 1 when
 * both ends are healthy (as the page judges them: pipeline_view.ts), else 0.
 */
export function pipelineFamilies(records: readonly ComponentRecord[], view: PipelineView, topology?: Topology): MetricFamily[] {
  const counts = new Map<string, number>(HEALTH_STATUSES.map((s) => [s.toLowerCase(), 0]));
  for (const r of records) {
    // A status the schema does not name is counted as unknown: the labels stay a fixed set.
    const state = typeof r.status === "number" ? "unknown" : r.status.toLowerCase();
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  if (topology) counts.set("not_registered", view.components.filter((c) => c.state === "not-registered").length);

  const healthy = new Set(view.components.filter((c) => c.state === "healthy").map((c) => c.id));
  const edges: MetricFamily["samples"] = [];
  const seen = new Set<string>();
  for (const node of topology?.components ?? []) {
    for (const from of node.inputs) {
      // An input named twice is still one edge, and one series.
      const key = JSON.stringify([from, node.id]);
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push([{ from, to: node.id }, healthy.has(from) && healthy.has(node.id) ? 1 : 0]);
    }
  }
  return [
    {
      name: "flowctl_pipeline_components",
      type: "gauge",
      help: "Components by state: registered services by health status, and (with the pipeline's topology) " +
        "not_registered for its components no service has registered for.",
      samples: [...counts].map(([state, n]) => [{ state }, n]),
    },
    {
      name: "flowctl_pipeline_edge_healthy",
      type: "gauge",
      help:
        "1 if both ends of the pipeline's edge are healthy (every service registered under the component id " +
        "HEALTHY, and at least one), else 0.",
      samples: edges,
    },
  ];
}
