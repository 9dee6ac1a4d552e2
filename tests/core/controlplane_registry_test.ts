/** The control plane's registry and pipeline runs, with a fake clock: no sockets, no disk, no waiting. */
import assert from "node:assert/strict";
import { PipelineRuns } from "../../controlplane/runs.ts";
import { type ComponentInfo, ControlPlaneError, LIMITS, Registry } from "../../controlplane/registry.ts";
import type { Change, Store } from "../../controlplane/store.ts";

const info = (id: string, type: ComponentInfo["type"], extra: Partial<ComponentInfo> = {}): ComponentInfo => ({
  id,
  name: id,
  description: "",
  version: "1",
  type,
  inputEventTypes: [],
  outputEventTypes: [],
  endpoint: "",
  metadata: {},
  ...extra,
});

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
  const ids = (xs: ComponentInfo[]) => xs.map((x) => x.id);
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
  const ids = (filter: Record<string, string>) => r.discover("UNSPECIFIED", [], filter).map((x) => x.id);
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
