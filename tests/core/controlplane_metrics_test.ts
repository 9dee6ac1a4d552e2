/**
 * /metrics as Prometheus reads it: the heartbeat metrics components send and
 * the pipeline's state and edge gauges, parsed by a Prometheus text-format
 * parser (and by a strict line check, since that parser forgives much). No
 * sockets: prometheusText and httpHandler are called over a Registry.
 */
import assert from "node:assert/strict";
import parsePrometheus from "parse-prometheus-text-format";
import {
  COMPONENT_METRIC_CAPS,
  componentMetricFamilies,
  numericValue,
} from "../../controlplane/component_metrics.ts";
import { CallCounter, httpHandler, type HttpSources, prometheusText } from "../../controlplane/http_api.ts";
import { LIMITS, Registry } from "../../controlplane/registry.ts";
import type { Topology } from "../../graph/topology.ts";
import { ROOT } from "../support/helpers.ts";
import { componentInfo } from "../support/component_info.ts";

interface Family {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

const info = componentInfo;

/** Room for components past the registry's own caps on metrics (500 entries, long names). */
const roomy = () =>
  new Registry({
    heartbeatTtlMs: 30_000,
    endpoint: "cp:8080",
    limits: { ...LIMITS, maxEntries: 1_000, maxComponentBytes: 4 << 20, maxTotalBytes: 512 << 20 },
  });

const sources = (registry: Registry, topology?: Topology): HttpSources => ({
  registry,
  calls: new CallCounter(),
  store: { recoveries: 0, rowsSkipped: 0, rowsImported: 0, commits: () => 0 },
  clock: () => 10_000,
  startedAt: 0,
  denied: new CallCounter(),
  topology,
});

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const VALUE = "[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?Inf|NaN";
const SAMPLE = new RegExp(`^(${NAME})(\\{${LABEL}(?:,${LABEL})*\\})? (?:${VALUE})$`);

/**
 * The text format's grammar, line by line, which the npm parser does not hold
 * to: metric and label names, escapes in label values, one TYPE per family
 * before its samples, no series twice. Then the npm parser's families.
 */
function parse(text: string): Map<string, Family> {
  assert.ok(text.endsWith("\n"), "the exposition ends with a newline");
  const typed = new Set<string>();
  const series = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = line.match(new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`));
    if (meta) {
      if (meta[1] === "TYPE") {
        assert.ok(!typed.has(meta[2]), `TYPE ${meta[2]} twice`);
        assert.match(meta[3], /^(gauge|counter)$/);
        typed.add(meta[2]);
      }
      continue;
    }
    const sample = line.match(SAMPLE);
    assert.ok(sample, `not a sample line: ${JSON.stringify(line.slice(0, 300))}`);
    assert.ok(typed.has(sample[1]), `${sample[1]} has no TYPE before its samples`);
    const key = line.slice(0, line.lastIndexOf(" "));
    assert.ok(!series.has(key), `series twice: ${key.slice(0, 300)}`);
    series.add(key);
  }
  const families = parsePrometheus(text) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

/** The samples of a family as [labels, value] pairs. */
function samples(families: Map<string, Family>, name: string): [Record<string, string>, number][] {
  const family = families.get(name);
  assert.ok(family, `no family ${name}`);
  assert.equal(family.type, "GAUGE", name);
  return family.metrics.map((m) => [m.labels ?? {}, Number(m.value)]);
}

/** The heartbeat metrics of one service id: name → value. */
function metricsOf(families: Map<string, Family>, serviceId: string): Record<string, number> {
  return Object.fromEntries(
    samples(families, "flowctl_component_metric").filter(([l]) => l.service_id === serviceId).map((
      [l, v],
    ) => [l.name, v]),
  );
}

function droppedOf(families: Map<string, Family>, serviceId: string): number | undefined {
  return samples(families, "flowctl_component_metrics_dropped").find(([l]) => l.service_id === serviceId)
    ?.[1];
}

Deno.test("prometheusText() exposes heartbeat metrics whose values are finite numbers, as one gauge family", () => {
  const r = roomy();
  r.register(info("src", "SOURCE"), "", 0);
  r.heartbeat("src", "HEALTHY", {
    events_total: "42",
    lag_seconds: "0.25",
    neg: "-3",
    exp: "1e3",
    plus: "+.5",
    version: "1.2.3",
    host: "a",
    hex: "0x10",
    empty: "",
    spaced: " 7",
    nan: "NaN",
    inf: "+Inf",
    huge: "1e999",
  }, 1);
  r.register(info("quiet", "CONSUMER"), "", 0);
  const families = parse(prometheusText(sources(r)));
  assert.deepEqual(metricsOf(families, "src"), {
    events_total: 42,
    exp: 1000,
    lag_seconds: 0.25,
    neg: -3,
    plus: 0.5,
  });
  assert.deepEqual(
    samples(families, "flowctl_component_metric").map(([l]) => Object.keys(l)),
    Array(5).fill(["component_id", "service_id", "name"]),
  );
  assert.equal(
    droppedOf(families, "src"),
    0,
    "values that are not numbers are not metrics, and not dropped ones",
  );
  assert.deepEqual(metricsOf(families, "quiet"), {});
  assert.equal(droppedOf(families, "quiet"), 0);
  // What was there before stays: components by status, health, pipeline health.
  assert.deepEqual(samples(families, "flowctl_components"), [[{ status: "HEALTHY" }, 2]]);
  assert.deepEqual(
    samples(families, "flowctl_pipeline_health").find(([l]) => l.health === "healthy")?.[1],
    1,
  );
});

Deno.test("numericValue() takes decimal numbers only", () => {
  assert.deepEqual(["0", "-0.5", "12.", ".5", "1E-3", "7e+2"].map(numericValue), [
    0,
    -0.5,
    12,
    0.5,
    0.001,
    700,
  ]);
  for (
    const text of [
      "",
      " ",
      "1 ",
      "0x1f",
      "0b1",
      "1_000",
      "Infinity",
      "-Inf",
      "NaN",
      "1e400",
      "1.2.3",
      "e5",
      "--1",
    ]
  ) {
    assert.equal(numericValue(text), undefined, JSON.stringify(text));
  }
});

Deno.test("prometheusText() escapes hostile metric names and ids so they parse back as sent", () => {
  const hostile = [
    'say "hi"',
    "back\\slash",
    "trailing\\",
    "line\nbreak",
    "not a newline: \\n",
    '\\"',
    "} 1\nfake_metric 2",
    'a="b",c="d"',
    "# HELP x y",
    "caf\u00e9 \u{1F680} \u05e9\u05dc\u05d5\u05dd \u200b\u2028\u2029",
    "tab\there\rcarriage",
  ];
  const r = roomy();
  const id = 'we"ird\\id\nnext';
  r.register(info(id), "", 0);
  r.heartbeat(
    id,
    "HEALTHY",
    { ...Object.fromEntries(hostile.map((name, i) => [name, String(i)])), "": "9" },
    1,
  );
  const text = prometheusText(sources(r));
  assert.doesNotMatch(text, /^fake_metric/m);
  const families = parse(text);
  const got = samples(families, "flowctl_component_metric");
  assert.deepEqual(new Set(got.map(([l]) => l.service_id)), new Set([id]));
  assert.deepEqual(new Set(got.map(([l]) => l.component_id)), new Set([id]));
  assert.deepEqual(metricsOf(families, id), Object.fromEntries(hostile.map((name, i) => [name, i])));
  // An empty label value is no label to Prometheus: the empty name is left out, and counted.
  assert.equal(droppedOf(families, id), 1);
});

Deno.test("prometheusText() caps the series per component and the name length, and counts what it leaves out", () => {
  const r = roomy();
  const { maxSeries, maxNameLength } = COMPONENT_METRIC_CAPS;
  const metrics: Record<string, string> = {};
  for (let i = 0; i < maxSeries + 50; i++) metrics[`m${String(i).padStart(3, "0")}`] = String(i);
  metrics["a".repeat(maxNameLength)] = "1"; // as long as allowed: kept, and first in order
  for (const n of [maxNameLength + 1, 1_000, 4_000]) metrics["b".repeat(n)] = "2";
  metrics["z".repeat(4_000)] = "not a number"; // neither exposed nor counted
  metrics.label = "text";
  r.register(info("big"), "", 0);
  r.heartbeat("big", "HEALTHY", metrics, 1);
  r.register(info("small"), "", 0);
  r.heartbeat("small", "HEALTHY", { a: "1" }, 1);

  const families = parse(prometheusText(sources(r)));
  const kept = Object.keys(metricsOf(families, "big"));
  assert.equal(kept.length, maxSeries);
  assert.deepEqual(kept, [
    "a".repeat(maxNameLength),
    ...Array.from({ length: maxSeries - 1 }, (_, i) => `m${String(i).padStart(3, "0")}`),
  ]);
  // 51 short names past the first 100, and the three names that are too long.
  assert.equal(droppedOf(families, "big"), 51 + 3);
  assert.equal(droppedOf(families, "small"), 0);

  const tight = componentMetricFamilies(r.all(), { maxSeries: 2, maxNameLength: 4 });
  assert.deepEqual(tight[0].samples.map(([l, v]) => [l.service_id, l.name, v]), [["big", "m000", 0], [
    "big",
    "m001",
    1,
  ], ["small", "a", 1]]);
  // 148 short names past the first 2, and the four names longer than 4.
  assert.deepEqual(tight[1].samples, [[{ component_id: "big", service_id: "big" }, 148 + 4], [{
    component_id: "small",
    service_id: "small",
  }, 0]]);
});

Deno.test("httpHandler() reads the registry at each scrape: a deregistered component's series are gone", async () => {
  const r = roomy();
  r.register(info("a"), "", 0);
  r.register(info("b"), "", 0);
  r.heartbeat("a", "HEALTHY", { x: "1" }, 1);
  r.heartbeat("b", "HEALTHY", { x: "2" }, 1);
  const handler = httpHandler(sources(r));
  const scrape = async () => {
    const response = await handler(new Request("http://cp/metrics"));
    assert.equal(response.status, 200);
    return parse(await response.text());
  };
  let families = await scrape();
  assert.deepEqual([metricsOf(families, "a"), metricsOf(families, "b")], [{ x: 1 }, { x: 2 }]);

  r.heartbeat("a", "HEALTHY", { x: "5" }, 2);
  r.unregister("b");
  families = await scrape();
  assert.deepEqual(metricsOf(families, "a"), { x: 5 });
  for (
    const name of [
      "flowctl_component_metric",
      "flowctl_component_metrics_dropped",
      "flowctl_component_healthy",
    ]
  ) {
    assert.deepEqual(samples(families, name).map(([l]) => l.service_id), ["a"], name);
  }
  r.unregister("a");
  families = await scrape();
  assert.deepEqual(samples(families, "flowctl_component_metric"), []);
  assert.deepEqual(samples(families, "flowctl_component_metrics_dropped"), []);
});

const topology: Topology = {
  pipeline: "p",
  components: [
    { id: "src", kind: "source", label: "", inputs: [] },
    { id: "proc", kind: "processor", label: "", inputs: ["src"] },
    { id: "sink", kind: "sink", label: "", inputs: ["proc", "src", "src"] },
    { id: "audit", kind: "sink", label: "", inputs: ["proc"] },
  ],
};

const states = (families: Map<string, Family>) =>
  Object.fromEntries(samples(families, "flowctl_pipeline_components").map(([l, v]) => [l.state, v]));
const edges = (families: Map<string, Family>) =>
  samples(families, "flowctl_pipeline_edge_healthy").map(([l, v]) => `${l.from}->${l.to} ${v}`);

Deno.test("prometheusText() counts components per state, not_registered from the topology, and judges each edge", () => {
  const r = roomy();
  r.register(info("src", "SOURCE"), "", 0);
  r.register(info("proc"), "proc-1", 0); // two replicas of one component
  r.register(info("proc"), "proc-2", 0);
  r.register(info("sink", "CONSUMER"), "", 0);
  r.register(info("elsewhere"), "", 0); // registered, in no topology
  r.heartbeat("proc-2", "DEGRADED", {}, 1);

  let families = parse(prometheusText(sources(r, topology)));
  assert.deepEqual(states(families), {
    unknown: 0,
    starting: 0,
    healthy: 4,
    degraded: 1,
    unhealthy: 0,
    stopping: 0,
    not_registered: 1,
  });
  // A degraded replica makes its component unhealthy for its edges; audit never registered.
  assert.deepEqual(edges(families), ["src->proc 0", "proc->sink 0", "src->sink 1", "proc->audit 0"]);

  r.heartbeat("proc-2", "HEALTHY", {}, 2);
  families = parse(prometheusText(sources(r, topology)));
  assert.deepEqual(edges(families), ["src->proc 1", "proc->sink 1", "src->sink 1", "proc->audit 0"]);

  r.sweep(60_000);
  families = parse(prometheusText(sources(r, topology)));
  assert.equal(states(families).unhealthy, 5);
  assert.deepEqual(edges(families), ["src->proc 0", "proc->sink 0", "src->sink 0", "proc->audit 0"]);

  r.unregister("proc-1");
  r.unregister("proc-2");
  r.heartbeat("src", "HEALTHY", {}, 60_001);
  r.heartbeat("sink", "HEALTHY", {}, 60_001);
  families = parse(prometheusText(sources(r, topology)));
  assert.equal(states(families).not_registered, 2);
  assert.deepEqual(edges(families), ["src->proc 0", "proc->sink 0", "src->sink 1", "proc->audit 0"]);
});

Deno.test("prometheusText() without a topology has no not_registered count and no edges", () => {
  const r = roomy();
  r.register(info("src", "SOURCE"), "", 0);
  const families = parse(prometheusText(sources(r)));
  assert.equal(states(families).not_registered, undefined);
  assert.equal(states(families).healthy, 1);
  assert.deepEqual(edges(families), []);
});

Deno.test("prometheusText() stays within its bound: 1,000 components of 50 metrics, some of 500 with long names", () => {
  const r = roomy();
  const plain = 1_000;
  const heavy = 20;
  for (let c = 0; c < plain; c++) {
    const id = `component-${c}`;
    r.register(info(id), "", 0);
    r.heartbeat(
      id,
      "HEALTHY",
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`metric_${i}`, String(i * c)])),
      1,
    );
  }
  for (let c = 0; c < heavy; c++) {
    const id = `heavy-${c}`;
    const metrics: Record<string, string> = {};
    for (let i = 0; i < 400; i++) metrics[`m_${i}`] = String(i);
    for (let i = 0; i < 100; i++) metrics[`${i}_${"long".repeat(50 + i * 9)}`] = String(i);
    r.register(info(id), "", 0);
    r.heartbeat(id, "HEALTHY", metrics, 1);
  }
  const text = prometheusText(sources(r));
  const components = plain + heavy;
  const valueLines = text.split("\n").filter((l) => l.startsWith("flowctl_component_metric{")).length;
  const droppedLines =
    text.split("\n").filter((l) => l.startsWith("flowctl_component_metrics_dropped{")).length;
  // The documented bound: maxSeries series and one dropped count per component.
  assert.ok(valueLines <= components * COMPONENT_METRIC_CAPS.maxSeries);
  assert.equal(valueLines, plain * 50 + heavy * COMPONENT_METRIC_CAPS.maxSeries);
  assert.equal(droppedLines, components);
  const families = parse(text);
  assert.equal(droppedOf(families, "heavy-0"), 300 + 100);
  assert.equal(droppedOf(families, "component-999"), 0);
  assert.equal(metricsOf(families, "component-7").metric_49, 7 * 49);
});

Deno.test("docs: the README's control plane section names the new gauges and their caps", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const section = readme.slice(readme.indexOf("## The control plane"), readme.indexOf("## Fidelity"));
  for (
    const name of [
      "flowctl_component_metric",
      "flowctl_component_metrics_dropped",
      "flowctl_pipeline_components",
      "flowctl_pipeline_edge_healthy",
      "not_registered",
    ]
  ) {
    assert.ok(section.includes(`\`${name}`), name);
  }
  assert.ok(section.includes(`first ${COMPONENT_METRIC_CAPS.maxSeries} `), "the series cap");
  assert.ok(section.includes(`${COMPONENT_METRIC_CAPS.maxNameLength} characters`), "the name cap");
});
