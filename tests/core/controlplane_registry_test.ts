/** The control plane's registry and pipeline runs, with a fake clock: no sockets, no disk, no waiting. */
import assert from "node:assert/strict";
import { PipelineRuns, RUN_LIMITS } from "../../controlplane/runs.ts";
import { type ComponentRecord, ControlPlaneError, type Limits, LIMITS, Registry } from "../../controlplane/registry.ts";
import type { Change, Store } from "../../controlplane/store.ts";
import { componentInfo } from "../support/component_info.ts";

const info = componentInfo;

const TTL = 30_000;
const registry = () => new Registry({ heartbeatTtlMs: TTL, endpoint: "cp:8080" });

Deno.test("registry: register takes component_id, else the component's id, else <type>-<time>; topics for producers", () => {
  const r = registry();
  assert.equal(r.register(info("a", "SOURCE"), "given", 1).serviceId, "given");
  const src = r.register(info("src", "SOURCE", { outputEventTypes: ["ledger"] }), "", 1);
  assert.equal(src.serviceId, "src");
  assert.deepEqual(src.assignedTopics, ["ledger.v1"]);
  assert.deepEqual(src.connectionInfo, { control_plane_endpoint: "cp:8080" });
  assert.deepEqual(r.register(info("sink", "CONSUMER", { outputEventTypes: ["x"] }), "", 1).assignedTopics, []);
  assert.equal(r.register(info("", "PROCESSOR"), "", 5).serviceId, "processor-5000000");
  assert.equal(r.status("src").status, "HEALTHY");
});

Deno.test("registry: heartbeats merge metrics, UNKNOWN keeps the status, unknown ids are NOT_FOUND", () => {
  const r = registry();
  r.register(info("p", "PROCESSOR"), "", 0);
  r.heartbeat("p", "DEGRADED", { a: "1" }, 10);
  r.heartbeat("p", "UNKNOWN", { b: "2" }, 20);
  const s = r.status("p");
  assert.equal(s.status, "DEGRADED");
  assert.deepEqual(s.metrics, { a: "1", b: "2" });
  assert.equal(s.lastHeartbeat, 20);
  assert.throws(() => r.heartbeat("nope", "HEALTHY", {}, 1), (e) => e instanceof ControlPlaneError && e.code === "NOT_FOUND");
  assert.throws(() => r.heartbeat("", "HEALTHY", {}, 1), (e) => e instanceof ControlPlaneError && e.code === "INVALID_ARGUMENT");
});

Deno.test("registry: the sweep marks components silent past the TTL unhealthy; listing hides them unless asked", () => {
  const r = registry();
  r.register(info("a", "SOURCE"), "", 0);
  r.register(info("b", "CONSUMER"), "", 0);
  r.heartbeat("b", "HEALTHY", {}, 25_000);
  assert.deepEqual(r.sweep(TTL), []);
  assert.deepEqual(r.sweep(TTL + 1), ["a"]);
  assert.equal(r.pipelineHealth(), "degraded");
  assert.deepEqual(r.list("UNSPECIFIED", false).map((x) => x.serviceId), ["b"]);
  assert.deepEqual(r.list("UNSPECIFIED", true).map((x) => x.serviceId), ["a", "b"]);
  assert.deepEqual(r.list("SOURCE", true).map((x) => x.serviceId), ["a"]);
  r.heartbeat("a", "HEALTHY", {}, TTL + 2);
  assert.equal(r.pipelineHealth(), "healthy");
  assert.deepEqual(r.sweep(10 * TTL), ["a", "b"]);
  assert.equal(r.pipelineHealth(), "unhealthy");
});

Deno.test("registry: discovery by type, event types (any) and metadata (all)", () => {
  const r = registry();
  r.register(info("src", "SOURCE", { outputEventTypes: ["ledger"], metadata: { network: "testnet" } }), "", 0);
  r.register(info("proc", "PROCESSOR", { inputEventTypes: ["ledger"], outputEventTypes: ["transfer"], metadata: { network: "mainnet" } }), "", 0);
  const ids = (xs: ComponentRecord[]) => xs.map((x) => x.component.id);
  assert.deepEqual(ids(r.discover("UNSPECIFIED", ["ledger"], {})), ["proc", "src"]);
  assert.deepEqual(ids(r.discover("PROCESSOR", [], {})), ["proc"]);
  assert.deepEqual(ids(r.discover("UNSPECIFIED", ["transfer", "nothing"], {})), ["proc"]);
  assert.deepEqual(ids(r.discover("UNSPECIFIED", [], { network: "testnet" })), ["src"]);
  assert.deepEqual(ids(r.discover("SOURCE", [], { network: "mainnet" })), []);
});

Deno.test("registry: metadata keys such as constructor and __proto__ are data, in discovery and in the store", () => {
  const changes: Change[] = [];
  const store: Store = { append: (c) => void changes.push(c), flush: () => Promise.resolve(), close: () => Promise.resolve(), commits: 0 };
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", store });
  const metadata = JSON.parse('{"constructor":"c","__proto__":"p","toString":"t"}');
  r.register(info("odd", "SOURCE", { metadata }), "", 0);
  r.register(info("plain", "SOURCE"), "", 0);
  const ids = (filter: Record<string, string>) => r.discover("UNSPECIFIED", [], filter).map((x) => x.serviceId);
  assert.deepEqual(ids(JSON.parse('{"constructor":"c","__proto__":"p"}')), ["odd"]);
  assert.deepEqual(ids({ toString: "t" }), ["odd"]);
  assert.deepEqual(ids({ hasOwnProperty: "x" }), []);
  r.heartbeat("odd", "UNKNOWN", JSON.parse('{"__proto__":"1"}'), 1);
  assert.deepEqual(Object.keys(r.status("odd").metrics), ["__proto__"]);
  const stored = JSON.parse(JSON.stringify(changes.at(-1)!.value));
  assert.deepEqual(Object.keys(stored.component.metadata), ["constructor", "__proto__", "toString"]);
});

Deno.test("registry: huge metadata is RESOURCE_EXHAUSTED and changes nothing", () => {
  const r = registry();
  const metadata = Object.fromEntries(Array.from({ length: LIMITS.maxEntries + 1 }, (_, i) => [`k${i}`, "v"]));
  assert.throws(() => r.register(info("x", "SOURCE", { metadata }), "", 0), (e) => e instanceof ControlPlaneError && e.code === "RESOURCE_EXHAUSTED");
  assert.throws(() => r.register(info("x".repeat(LIMITS.maxText + 1), "SOURCE"), "", 0), /longer than/);
  assert.deepEqual(r.all(), []);
});

const small: Limits = { ...LIMITS, maxComponentBytes: 2_000, maxComponents: 3, maxTotalBytes: 4_000 };
const exhausted = (pattern: RegExp) => (e: unknown) => e instanceof ControlPlaneError && e.code === "RESOURCE_EXHAUSTED" && pattern.test(e.message);

Deno.test("registry: one component's record is capped in bytes, at registration and as heartbeats add metrics", () => {
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", limits: small });
  // 200 entries of 4,000 characters were each within the old per-entry limits: together they are not.
  const big = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, "v".repeat(4000)]));
  assert.throws(() => r.register(info("big", "SOURCE", { metadata: big }), "", 0), exhausted(/"big" would take \d+ bytes; the limit is 2000/));
  assert.deepEqual(r.all(), []);
  r.register(info("a", "SOURCE"), "", 0);
  const before = r.status("a");
  assert.throws(() => r.heartbeat("a", "DEGRADED", { m: "x".repeat(2_000) }, 1), exhausted(/the limit is 2000/));
  assert.equal(r.status("a"), before, "a refused heartbeat changes nothing");
  // The real limit holds the issue's case: 256 entries of 4,000 characters.
  const issue = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`k${i}`, "v".repeat(4000)]));
  assert.throws(() => registry().register(info("huge", "SOURCE", { metadata: issue }), "", 0), exhausted(/the limit is 65536/));
});

Deno.test("registry: the number of components and their total bytes are capped; leaving makes room; the sweep never fails", () => {
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", limits: small });
  const filler = (n: number) => ({ note: "x".repeat(n) });
  r.register(info("a", "SOURCE", { metadata: filler(1_500) }), "", 0);
  r.register(info("b", "SOURCE", { metadata: filler(1_500) }), "", 0);
  assert.throws(() => r.register(info("c", "SOURCE", { metadata: filler(1_500) }), "", 0), exhausted(/may hold 4000: component "c" does not fit/));
  r.register(info("c", "SOURCE"), "", 0);
  assert.throws(() => r.register(info("d", "SOURCE"), "", 0), exhausted(/3 components are registered/));
  // Re-registering one that is there is no new component, and shrinking is always allowed.
  r.register(info("a", "SOURCE"), "", 1);
  r.unregister("c");
  r.register(info("d", "SOURCE", { metadata: filler(1_000) }), "", 1);
  assert.deepEqual(r.all().map((x) => x.serviceId), ["a", "b", "d"]);
  assert.deepEqual(r.sweep(10 * TTL), ["a", "b", "d"]);
});

Deno.test("registry: records loaded past the caps are all kept; then only shrinking is allowed", () => {
  const big = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp" });
  for (const id of ["a", "b", "c", "d"]) big.register(info(id, "SOURCE", { metadata: { note: "x".repeat(1_500) } }), "", 0);
  const loaded = new Map(big.all().map((x) => [x.serviceId, x]));
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", limits: small }, loaded);
  assert.equal(r.all().length, 4);
  assert.throws(() => r.register(info("e", "SOURCE"), "", 1), exhausted(/components are registered/));
  r.register(info("a", "SOURCE"), "", 1); // smaller than before
  assert(r.bytes("a") < r.bytes("b"));
  assert.deepEqual(r.sweep(10 * TTL), ["a", "b", "c", "d"], "past the total cap, the sweep still marks them");
});

Deno.test("pipeline runs: create, update, stop, list newest first with filters and a default limit of 10", () => {
  const runs = new PipelineRuns();
  for (let i = 1; i <= 12; i++) runs.create({ runId: `r${i}`, pipelineName: i % 2 ? "odd" : "even", configYaml: "", componentIds: [] }, i);
  assert.equal(runs.get("r1").status, "STARTING");
  assert.equal(runs.get("r1").pipelineId, "odd");
  assert.deepEqual(runs.list("", "UNKNOWN", 0).map((r) => r.runId), ["r12", "r11", "r10", "r9", "r8", "r7", "r6", "r5", "r4", "r3"]);
  assert.deepEqual(runs.list("odd", "UNKNOWN", 2).map((r) => r.runId), ["r11", "r9"]);
  const done = runs.update("r2", "COMPLETED", undefined, "", 50);
  assert.equal(done.endTime, 50);
  assert.equal(runs.update("r2", "UNKNOWN", undefined, "late", 60).status, "COMPLETED");
  assert.deepEqual(runs.list("", "COMPLETED", 0).map((r) => r.runId), ["r2"]);
  const stopped = runs.stop("r3", 70);
  assert.deepEqual([stopped.status, stopped.endTime], ["STOPPED", 70]);
  assert.equal(runs.stop("r2", 80).status, "COMPLETED", "a finished run stays as it ended");
  assert.throws(() => runs.create({ runId: "r1", pipelineName: "", configYaml: "", componentIds: [] }, 1), /exists/);
  assert.throws(() => runs.create({ runId: "", pipelineName: "", configYaml: "", componentIds: [] }, 1), /run_id is empty/);
  assert.throws(() => runs.get("nope"), (e) => e instanceof ControlPlaneError && e.code === "NOT_FOUND");
});

Deno.test("pipeline runs: a run is capped in bytes, config_yaml counted in UTF-8", () => {
  const runs = new PipelineRuns();
  const config = "é".repeat(RUN_LIMITS.maxConfig / 2 + 1); // fewer characters than the limit, more bytes
  assert.throws(() => runs.create({ runId: "r", pipelineName: "p", configYaml: config, componentIds: [] }, 1), exhausted(/config_yaml is longer than 1048576 bytes/));
  runs.create({ runId: "r", pipelineName: "p", configYaml: "x", componentIds: [] }, 1);
  const componentMetrics = Object.fromEntries(
    Array.from({ length: 900 }, (_, i) => [`c${i}${"x".repeat(3000)}`, { eventsIn: 1, eventsOut: 1, bytesIn: 1, bytesOut: 1, processingTimeMs: 1 }]),
  );
  const metrics = { eventsProcessed: 1, eventsPerSecond: 1, bytesProcessed: 1, componentMetrics };
  assert.throws(() => runs.update("r", "RUNNING", metrics, "", 2), exhausted(/would take \d+ bytes; the limit is 2097152/));
  assert.equal(runs.get("r").status, "STARTING");
});
