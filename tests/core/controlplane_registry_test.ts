/** The control plane's registry, pipeline runs and file store, with a fake clock: no sockets, no waiting. */
import assert from "node:assert/strict";
import { FileStore } from "../../controlplane/file_store.ts";
import { PipelineRuns } from "../../controlplane/runs.ts";
import { type ComponentInfo, ControlPlaneError, LIMITS, Registry } from "../../controlplane/registry.ts";

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

Deno.test("registry: huge metadata is RESOURCE_EXHAUSTED and changes nothing", () => {
  const r = registry();
  const metadata = Object.fromEntries(Array.from({ length: LIMITS.maxEntries + 1 }, (_, i) => [`k${i}`, "v"]));
  assert.throws(() => r.register(info("x", "SOURCE", { metadata }), "", 0), (e) => e instanceof ControlPlaneError && e.code === "RESOURCE_EXHAUSTED");
  assert.throws(() => r.register(info("x".repeat(LIMITS.maxText + 1), "SOURCE"), "", 0), /longer than/);
  assert.deepEqual(r.all(), []);
});

async function withStore(fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`${dir}/registry.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const openRegistry = (path: string) => {
  const { store, data } = FileStore.open(path);
  return { store, data, registry: new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", store }, data.services) };
};

Deno.test("file store: registrations and runs survive a restart; unregistered ones stay gone", () =>
  withStore(async (path) => {
    const first = openRegistry(path);
    const runs = new PipelineRuns(first.store, first.data.runs);
    first.registry.register(info("a", "SOURCE"), "", 1);
    first.registry.register(info("b", "CONSUMER"), "", 1);
    first.registry.heartbeat("a", "HEALTHY", { n: "7" }, 2);
    first.registry.unregister("b");
    runs.create({ runId: "r1", pipelineName: "p", configYaml: "x: 1", componentIds: ["a"] }, 3);
    runs.update("r1", "RUNNING", undefined, "", 4);
    await first.store.flush();
    first.store.close();
    const again = openRegistry(path);
    assert.deepEqual(again.registry.all().map((x) => [x.serviceId, x.metrics]), [["a", { n: "7" }]]);
    const run = new PipelineRuns(again.store, again.data.runs).get("r1");
    assert.equal(run.status, "RUNNING");
    assert.equal(run.configYaml, "x: 1");
    again.store.close();
  }));

Deno.test("file store: a line cut short by a crash is dropped, everything before it is kept", () =>
  withStore(async (path) => {
    const first = openRegistry(path);
    first.registry.register(info("kept", "SOURCE"), "", 1);
    await first.store.flush();
    first.store.close();
    await Deno.writeTextFile(path, '{"bucket":"services","key":"torn","value":{"serv', { append: true });
    const after = openRegistry(path);
    assert.deepEqual(after.registry.all().map((x) => x.serviceId), ["kept"]);
    // The torn bytes are gone, so the next change starts on a clean line.
    after.registry.register(info("next", "SOURCE"), "", 2);
    await after.store.flush();
    after.store.close();
    const last = openRegistry(path);
    assert.deepEqual(last.registry.all().map((x) => x.serviceId), ["kept", "next"]);
    last.store.close();
  }));

Deno.test("file store: many heartbeats compact the file and keep the latest state", () =>
  withStore(async (path) => {
    const { store, registry } = openRegistry(path);
    registry.register(info("a", "SOURCE"), "", 0);
    for (let i = 1; i <= 2500; i++) {
      registry.heartbeat("a", "HEALTHY", { i: String(i) }, i);
      if (i % 100 === 0) await store.flush(); // compaction happens after a sync
    }
    await store.flush();
    store.close();
    const lines = (await Deno.readTextFile(path)).split("\n").length - 1;
    assert(lines < 1000, `compacted to ${lines} lines`);
    const reopened = openRegistry(path);
    assert.deepEqual(reopened.registry.all()[0].metrics, { i: "2500" });
    reopened.store.close();
  }));

Deno.test("file store: concurrent flushes all resolve and the file holds every change", () =>
  withStore(async (path) => {
    const { store, registry } = openRegistry(path);
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      registry.register(info(`c${i}`, "SOURCE"), "", i);
      flushes.push(store.flush());
    }
    await Promise.all(flushes);
    // Read back through a second handle, as a restarted process would.
    const other = openRegistry(path);
    assert.equal(other.registry.all().length, 50);
    other.store.close();
    store.close();
  }));

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
