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

Deno.test("pipeline runs: create, update, stop, list newest first with filters; no limit (0 or -1) lists every run", () => {
  const runs = new PipelineRuns();
  for (let i = 1; i <= 12; i++) runs.create({ runId: `r${i}`, pipelineName: i % 2 ? "odd" : "even", configYaml: "", componentIds: [] }, i);
  assert.equal(runs.get("r1").status, "STARTING");
  assert.equal(runs.get("r1").pipelineId, "odd");
  const all = ["r12", "r11", "r10", "r9", "r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1"];
  // As Go: the Go CLI asks with -1 to find a run by a prefix of its id, the oldest included.
  assert.deepEqual(runs.list("", "UNKNOWN", 0).map((r) => r.runId), all);
  assert.deepEqual(runs.list("", "UNKNOWN", -1).map((r) => r.runId), all);
  assert.deepEqual(runs.list("", "UNKNOWN", 10).map((r) => r.runId), all.slice(0, 10));
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
    Array.from({ length: 900 }, (_, i) => [`c${i}${"x".repeat(3000)}`, { eventsIn: "1", eventsOut: "1", bytesIn: "1", bytesOut: "1", processingTimeMs: 1 }]),
  );
  const metrics = { eventsProcessed: "1", eventsPerSecond: 1, bytesProcessed: "1", componentMetrics };
  assert.throws(() => runs.update("r", "RUNNING", metrics, "", 2), exhausted(/would take \d+ bytes; the limit is 2097152/));
  assert.equal(runs.get("r").status, "STARTING");
});

Deno.test("pipeline runs: a status the schema does not name is kept (not finished); 64-bit counters are kept as exact text", () => {
  const runs = new PipelineRuns();
  runs.create({ runId: "r", pipelineName: "p", configYaml: "", componentIds: [] }, 1);
  runs.create({ runId: "other", pipelineName: "p", configYaml: "", componentIds: [] }, 2);
  const big = "9007199254740993"; // 2^53 + 1: no JS number holds it
  const metrics = {
    eventsProcessed: big,
    eventsPerSecond: 0.5,
    bytesProcessed: "-9223372036854775808",
    componentMetrics: { src: { eventsIn: "0", eventsOut: big, bytesIn: "1", bytesOut: "9223372036854775807", processingTimeMs: 2.5 } },
  };
  const updated = runs.update("r", 17, metrics, "", 3);
  assert.deepEqual([updated.status, updated.endTime], [17, undefined], "17 is no finished status: no end time");
  assert.deepEqual(runs.get("r").metrics, metrics);
  assert.deepEqual(runs.list("", 17, 0).map((r) => r.runId), ["r"]);
  assert.deepEqual(runs.list("", "STARTING", 0).map((r) => r.runId), ["other"]);
  assert.equal(runs.update("r", "UNKNOWN", undefined, "", 4).status, 17, "UNKNOWN leaves it alone");
  assert.deepEqual([runs.stop("r", 5).status, runs.get("r").endTime], ["STOPPED", 5]);
});

Deno.test("registry: unregistering an id that is not registered is no error and changes nothing; an empty id is INVALID_ARGUMENT", () => {
  const changes: Change[] = [];
  const store: Store = { append: (c) => void changes.push(c), flush: () => Promise.resolve(), close: () => Promise.resolve(), commits: 0 };
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", store });
  r.register(info("a"), "", 0);
  changes.length = 0;
  r.unregister("ghost");
  assert.deepEqual(changes, [], "nothing written for an unknown id");
  r.unregister("a");
  r.unregister("a"); // twice, as a component that retries does
  assert.deepEqual(changes, [{ bucket: "services", key: "a" }]);
  assert.deepEqual(r.all(), []);
  assert.throws(() => r.unregister(""), (e) => e instanceof ControlPlaneError && e.code === "INVALID_ARGUMENT");
});

Deno.test("registry: registering again starts afresh, as Go: registered now, no metrics, HEALTHY", () => {
  const r = registry();
  r.register(info("w", "SOURCE"), "", 1_000);
  r.heartbeat("w", "DEGRADED", { processed: "100" }, 2_000);
  r.register(info("w", "SOURCE"), "", 3_000);
  const again = r.status("w");
  assert.deepEqual([again.registeredAt, again.lastHeartbeat, again.metrics, again.status], [3_000, 3_000, {}, "HEALTHY"]);
  assert.equal(r.restarts("w"), 1);
  // An expired one too, and the sweep's verdict does not follow it.
  r.sweep(3_000 + TTL + 1);
  assert.equal(r.status("w").expired, true);
  r.register(info("w", "SOURCE"), "", 4_000 + TTL);
  assert.deepEqual([r.status("w").status, r.status("w").expired], ["HEALTHY", undefined]);
});

Deno.test("registry: a heartbeat is proof of life after the sweep, but a component's own UNHEALTHY stands until it says otherwise", () => {
  const changes: Change[] = [];
  const store: Store = { append: (c) => void changes.push(c), flush: () => Promise.resolve(), close: () => Promise.resolve(), commits: 0 };
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", store });
  const stored = () => JSON.parse(JSON.stringify(changes.at(-1)!.value));
  r.register(info("p"), "", 0);
  assert.deepEqual(r.sweep(TTL + 1), ["p"]);
  assert.deepEqual([r.status("p").status, r.status("p").expired], ["UNHEALTHY", true]);
  assert.equal(stored().expired, true, "the sweep's verdict is stored");
  // UNKNOWN (flowctl-sdk's "all is well", and every legacy heartbeat): alive, so HEALTHY.
  r.heartbeat("p", "UNKNOWN", {}, TTL + 2);
  assert.deepEqual([r.status("p").status, Object.hasOwn(r.status("p"), "expired")], ["HEALTHY", false]);
  assert.equal(Object.hasOwn(stored(), "expired"), false);
  // Its own word stands: UNHEALTHY, then UNKNOWN heartbeats, then the sweep (which only marks HEALTHY ones).
  r.heartbeat("p", "UNHEALTHY", {}, TTL + 3);
  r.heartbeat("p", "UNKNOWN", {}, TTL + 4);
  assert.equal(r.status("p").status, "UNHEALTHY");
  assert.deepEqual(r.sweep(10 * TTL), []);
  r.heartbeat("p", "UNKNOWN", {}, 10 * TTL + 1);
  assert.equal(r.status("p").status, "UNHEALTHY", "still its own word, not the sweep's");
  r.heartbeat("p", "HEALTHY", {}, 10 * TTL + 2);
  assert.equal(r.status("p").status, "HEALTHY");
  // Expired, then a heartbeat that reports a bad status: that status, not HEALTHY.
  for (const bad of ["DEGRADED", "STOPPING", "UNHEALTHY", 42] as const) {
    r.heartbeat("p", "HEALTHY", {}, 20 * TTL);
    r.sweep(22 * TTL);
    assert.equal(r.status("p").expired, true);
    r.heartbeat("p", bad, {}, 22 * TTL + 1);
    assert.deepEqual([r.status("p").status, r.status("p").expired], [bad, undefined], String(bad));
  }
});

Deno.test("registry: enum values the schema does not name are kept, matched and never healthy", () => {
  const r = registry();
  r.register(info("newer", 9), "", 0);
  r.register(info("", 7), "", 5);
  r.register(info("fine", "SOURCE"), "", 0);
  assert.equal(r.status("7-5000000").component.type, 7, "the made-up id names the number, as Go's String() of it");
  r.heartbeat("newer", 42, { n: "1" }, 1);
  assert.deepEqual([r.status("newer").status, r.status("newer").component.type], [42, 9]);
  r.heartbeat("newer", "UNKNOWN", {}, 2);
  assert.equal(r.status("newer").status, 42, "UNKNOWN keeps it");
  assert.deepEqual(r.discover(9, [], {}).map((x) => x.serviceId), ["newer"]);
  assert.deepEqual(r.list(9, true).map((x) => x.serviceId), ["newer"]);
  assert.deepEqual(r.list("UNSPECIFIED", false).map((x) => x.serviceId), ["7-5000000", "fine"], "42 is not HEALTHY");
  assert.equal(r.pipelineHealth(), "degraded");
  assert.deepEqual(r.sweep(10 * TTL), ["7-5000000", "fine"], "the sweep marks HEALTHY ones only");
  r.heartbeat("7-5000000", "HEALTHY", {}, 10 * TTL);
  r.heartbeat("fine", "HEALTHY", {}, 10 * TTL);
  assert.equal(r.pipelineHealth(), "degraded", "a status of 42 is not healthy");
});
