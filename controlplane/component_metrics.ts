/**
 * The numbers components send with their heartbeats, as Prometheus gauges.
 * Read from the registry at each scrape, so a deregistered component's series
 * are gone from the next one. Bounded: a component's names are arbitrary and
 * its own to choose, so each gets at most COMPONENT_METRIC_CAPS.maxSeries
 * series, and what it sends past the caps is counted, not exposed.
 */
import type { ComponentRecord } from "./registry.ts";

/** One metric family as /metrics prints it; prometheusText formats and escapes it. */
export interface MetricFamily {
  name: string;
  type: "gauge";
  help: string;
  samples: [labels: Record<string, string>, value: number][];
}

export const COMPONENT_METRIC_CAPS = {
  /** Series per component (per service id): its numeric metrics, the first ones by name in sorted order. */
  maxSeries: 100,
  /** Characters in a metric's name; a longer (or an empty) name is skipped. */
  maxNameLength: 128,
};
export type ComponentMetricCaps = typeof COMPONENT_METRIC_CAPS;

/** A decimal number as heartbeats carry them ("12", "-0.5", "1e3"); no hex, no blanks, no NaN or Inf. */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The value of a metric when it is a finite decimal number, else undefined. */
export function numericValue(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * `flowctl_component_metric{component_id, service_id, name}` for each numeric
 * heartbeat metric within the caps, and `flowctl_component_metrics_dropped`
 * per component: its numeric metrics left out for a name empty or too long,
 * or past the series cap. Values that are not numbers (a version, a host name) are not
 * metrics and are not counted.
 */
export function componentMetricFamilies(
  records: readonly ComponentRecord[],
  caps: ComponentMetricCaps = COMPONENT_METRIC_CAPS,
): MetricFamily[] {
  const values: MetricFamily["samples"] = [];
  const dropped: MetricFamily["samples"] = [];
  for (const r of records) {
    const owner = { component_id: r.component.id, service_id: r.serviceId };
    const numeric: [name: string, value: number][] = [];
    let skipped = 0;
    for (const [name, text] of Object.entries(r.metrics)) {
      const value = numericValue(text);
      if (value === undefined) continue;
      // An empty label value means no label to Prometheus: such a series would lose its name.
      if (name === "" || name.length > caps.maxNameLength) skipped++;
      else numeric.push([name, value]);
    }
    // Code-unit order, not locale order: the same names keep the same series on every scrape.
    numeric.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, value] of numeric.slice(0, caps.maxSeries)) values.push([{ ...owner, name }, value]);
    dropped.push([owner, skipped + Math.max(0, numeric.length - caps.maxSeries)]);
  }
  return [
    {
      // One family with the component's name as a label value, not a family per name: names are
      // arbitrary text (any character, any case, clashes with ours), which a label value can carry
      // escaped and a metric name cannot without a lossy rewrite.
      name: "flowctl_component_metric",
      type: "gauge",
      help: "A numeric metric a component sent with its heartbeats, by the metric's name.",
      samples: values,
    },
    {
      name: "flowctl_component_metrics_dropped",
      type: "gauge",
      help: `Numeric heartbeat metrics not exposed: names empty or over ${caps.maxNameLength} characters, ` +
        `or past the first ${caps.maxSeries} names in sorted order.`,
      samples: dropped,
    },
  ];
}
