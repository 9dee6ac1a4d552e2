/** The control plane's registry and its file journal, with a fake clock: no sockets, no waiting. */
import assert from "node:assert/strict";
import { FileJournal } from "../controlplane/file_journal.ts";
import { type ComponentInfo, ControlPlaneError, LIMITS, Registry } from "../controlplane/registry.ts";

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

Deno.test("file journal: registrations survive a restart; unregistered ones stay gone", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/registry.jsonl`;
  const first = FileJournal.open(path);
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", journal: first.journal }, first.records);
  r.register(info("a", "SOURCE"), "", 1);
  r.register(info("b", "CONSUMER"), "", 1);
  r.heartbeat("a", "HEALTHY", { n: "7" }, 2);
  r.unregister("b");
  first.journal.close();
  const again = FileJournal.open(path);
  const restored = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", journal: again.journal }, again.records);
  assert.deepEqual(restored.all().map((x) => [x.serviceId, x.metrics]), [["a", { n: "7" }]]);
  again.journal.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file journal: a line cut short by a crash is dropped, everything before it is kept", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/registry.jsonl`;
  const { journal, records } = FileJournal.open(path);
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", journal }, records);
  r.register(info("kept", "SOURCE"), "", 1);
  journal.close();
  await Deno.writeTextFile(path, '{"op":"put","record":{"serviceId":"torn"', { append: true });
  const after = FileJournal.open(path);
  assert.deepEqual(after.records.map((x) => x.serviceId), ["kept"]);
  // The torn bytes are gone, so the next change starts on a clean line.
  const r2 = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", journal: after.journal }, after.records);
  r2.register(info("next", "SOURCE"), "", 2);
  after.journal.close();
  assert.deepEqual(FileJournal.open(path).records.map((x) => x.serviceId).sort(), ["kept", "next"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("file journal: many heartbeats compact the file and keep the latest state", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/registry.jsonl`;
  const { journal, records } = FileJournal.open(path);
  const r = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", journal }, records);
  r.register(info("a", "SOURCE"), "", 0);
  for (let i = 1; i <= 2500; i++) r.heartbeat("a", "HEALTHY", { i: String(i) }, i);
  journal.close();
  const lines = (await Deno.readTextFile(path)).split("\n").length - 1;
  assert(lines < 1000, `compacted to ${lines} lines`);
  const reopened = FileJournal.open(path);
  assert.deepEqual(reopened.records[0].metrics, { i: "2500" });
  reopened.journal.close();
  await Deno.remove(dir, { recursive: true });
});
