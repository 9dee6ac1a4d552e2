/**
 * The control plane's store on disk: SQLite with group commit and a versioned
 * schema; the conversion of an older version's JSON-lines file; a damaged
 * database file, really damaged (a page overwritten), recovered; and the check
 * of every stored value before the registry trusts it.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { readJsonLines } from "../../controlplane/json_lines.ts";
import { openStore } from "../../controlplane/open_store.ts";
import { type ComponentInfo, type ComponentRecord, Registry } from "../../controlplane/registry.ts";
import { PipelineRuns } from "../../controlplane/runs.ts";
import { SCHEMA_VERSION } from "../../controlplane/sqlite_database.ts";
import { checkStoredState } from "../../controlplane/stored_records.ts";
import { emptyBuckets } from "../../controlplane/store.ts";

const TTL = 30_000;
const encoder = new TextEncoder();

const info = (id: string, metadata: Record<string, string> = {}): ComponentInfo => ({
  id,
  name: id,
  description: "",
  version: "1",
  type: "PROCESSOR",
  inputEventTypes: [],
  outputEventTypes: [],
  endpoint: "",
  metadata,
});

const record = (id: string, metadata: Record<string, string> = {}): ComponentRecord => ({
  serviceId: id,
  component: info(id, metadata),
  status: "HEALTHY",
  metrics: {},
  registeredAt: 1,
  lastHeartbeat: 1,
});

async function withDir(fn: (dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Opens the store as the server does: values checked, then a registry and runs on top. */
async function open(path: string) {
  const opened = await openStore(path);
  const state = checkStoredState(opened.data);
  const registry = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp", store: opened.store }, state.services);
  const runs = new PipelineRuns(opened.store, state.runs);
  return { ...opened, state, registry, runs };
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("sqlite store: registrations and runs survive a restart; unregistered ones stay gone", () =>
  withDir(async (dir) => {
    const first = await open(`${dir}/registry.db`);
    first.registry.register(info("a"), "", 1);
    first.registry.register(info("b"), "", 1);
    first.registry.heartbeat("a", "HEALTHY", { n: "7" }, 2);
    first.registry.unregister("b");
    first.runs.create({ runId: "r1", pipelineName: "p", configYaml: "x: 1", componentIds: ["a"] }, 3);
    first.runs.update("r1", "RUNNING", undefined, "", 4);
    await first.store.flush();
    await first.store.close();
    const again = await open(`${dir}/registry.db`);
    assert.deepEqual(again.registry.all().map((x) => [x.serviceId, x.metrics]), [["a", { n: "7" }]]);
    assert.equal(again.runs.get("r1").status, "RUNNING");
    assert.equal(again.runs.get("r1").configYaml, "x: 1");
    assert.deepEqual(again.report, { skipped: [] });
    await again.store.close();
  }));

Deno.test("sqlite store: flushes called together share one transaction, and all of them resolve after it", () =>
  withDir(async (dir) => {
    const { store, registry } = await open(`${dir}/registry.db`);
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      registry.register(info(`c${i}`), "", i);
      flushes.push(store.flush());
    }
    await Promise.all(flushes);
    // The first went alone; the 49 that came while it was being written shared the next.
    assert.equal(store.commits, 2);
    // Read back through a second connection, as a restarted process would.
    const other = new DatabaseSync(`${dir}/registry.db`, { readOnly: true });
    assert.equal((other.prepare("SELECT count(*) AS n FROM services").get() as { n: number }).n, 50);
    other.close();
    // Nothing new, nothing to commit.
    await store.flush();
    assert.equal(store.commits, 2);
    registry.heartbeat("c1", "HEALTHY", {}, 99);
    await store.flush();
    assert.equal(store.commits, 3);
    await store.close();
  }));

Deno.test("sqlite store: within a batch the last change to a key is the one written", () =>
  withDir(async (dir) => {
    const { store, registry } = await open(`${dir}/registry.db`);
    registry.register(info("gone"), "", 1);
    registry.register(info("back"), "", 1);
    await store.flush();
    registry.heartbeat("gone", "HEALTHY", { n: "1" }, 2);
    registry.unregister("gone");
    registry.unregister("back");
    registry.register(info("back"), "", 3);
    registry.heartbeat("back", "DEGRADED", { n: "2" }, 4);
    await store.flush();
    await store.close();
    const again = await open(`${dir}/registry.db`);
    assert.deepEqual(again.registry.all().map((x) => [x.serviceId, x.status, x.metrics]), [[
      "back",
      "DEGRADED",
      { n: "2" },
    ]]);
    await again.store.close();
  }));

Deno.test("sqlite store: a commit that fails rejects its flushes, and the next flush writes the changes", () =>
  withDir(async (dir) => {
    const path = `${dir}/registry.db`;
    const { store, registry } = await open(path);
    const other = new DatabaseSync(path);
    other.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON services BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;",
    );
    registry.register(info("a"), "", 1);
    await assert.rejects(store.flush(), /refused for the test/);
    other.exec("DROP TRIGGER refuse");
    other.close();
    await store.flush();
    await store.close();
    const again = await open(path);
    assert.deepEqual(again.registry.all().map((x) => x.serviceId), ["a"]);
    await again.store.close();
  }));

Deno.test("sqlite store: the schema is versioned; a file from a newer version is refused, not guessed at", () =>
  withDir(async (dir) => {
    const path = `${dir}/registry.db`;
    await (await open(path)).store.close();
    const db = new DatabaseSync(path);
    assert.equal(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      SCHEMA_VERSION,
    );
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((
      r,
    ) => r.name);
    assert.deepEqual(tables, ["runs", "services"]);
    assert.equal((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode, "wal");
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await assert.rejects(openStore(path), /written by a newer flowctl \(schema 2; this one knows up to 1\)/);
  }));

Deno.test("json lines: a bad line in the middle keeps every line after it; a last line cut short is reported", () => {
  const put = (key: string, n: number) => JSON.stringify({ bucket: "services", key, value: n });
  const text = [
    put("a", 1),
    "{not json",
    put("b", 1),
    JSON.stringify({ bucket: "services", key: "a" }), // a delete
    "",
    put("a", 2),
    '{"bucket":"services","key":"c","value":1', // no newline after it: cut short
  ].join("\n");
  const bytes = encoder.encode(text);
  const lines = readJsonLines(bytes);
  assert.deepEqual([...lines.data.services], [["b", 1], ["a", 2]]);
  assert.equal(lines.applied, 4);
  assert.deepEqual(lines.skipped, [
    { where: "line 2", reason: "not JSON" },
    { where: "line 7", reason: "cut short by a crash (it was never acknowledged)" },
  ]);
  const invalid = new Uint8Array([
    ...encoder.encode(put("x", 1).slice(0, -1)),
    0xff,
    0x7d,
    0x0a,
    ...encoder.encode(put("y", 1) + "\n"),
  ]);
  const read = readJsonLines(invalid);
  assert.deepEqual([...read.data.services.keys()], ["y"]);
  assert.deepEqual(read.skipped, [{ where: "line 1", reason: "not UTF-8" }]);
});

Deno.test("open: a JSON-lines file is converted once and kept byte for byte beside the new database", () =>
  withDir(async (dir) => {
    const path = `${dir}/registry.db`;
    const lines = ["a", "b"].map((id) => JSON.stringify({ bucket: "services", key: id, value: record(id) }));
    const text =
      [lines[0], "garbage", lines[1], JSON.stringify({ bucket: "runs", key: "r", value: "not a run" })].join(
        "\n",
      ) + "\n";
    Deno.writeTextFileSync(path, text);
    const first = await open(path);
    assert.deepEqual(first.registry.all().map((x) => x.serviceId), ["a", "b"]);
    assert.deepEqual(first.report.imported, { rows: 3, keptAs: `${path}.jsonl-imported` });
    assert.deepEqual(first.report.skipped, [{ where: "line 2", reason: "not JSON" }]);
    assert.deepEqual(first.state.skipped, [{ where: 'runs row "r"', reason: "the value is not an object" }]);
    await first.store.close();
    assert.equal(Deno.readTextFileSync(`${path}.jsonl-imported`), text);
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
    const second = await open(path);
    assert.equal(second.report.imported, undefined);
    assert.equal(second.registry.all().length, 2);
    await second.store.close();
  }));

/** Fills a store with `n` components, each with a marker only its value holds, and closes it (all in the main file). */
async function storeWith(path: string, n: number) {
  const { store, registry } = await open(path);
  for (let i = 0; i < n; i++) {
    registry.register(
      info(`c${String(i).padStart(3, "0")}`, { marker: `marker-${i}-`.padEnd(120, "x") }),
      "",
      i,
    );
  }
  await store.flush();
  await store.close();
}

/** Overwrites the page holding `marker-<i>-` with garbage; returns the ids of the components whose markers were on it. */
function damagePageOf(path: string, i: number): string[] {
  const bytes = Deno.readFileSync(path);
  const pageSize = ((bytes[16] << 8) | bytes[17]) === 1 ? 65536 : (bytes[16] << 8) | bytes[17];
  const at = new TextDecoder("latin1").decode(bytes).indexOf(`marker-${i}-`);
  assert(at > pageSize, "the marker is on a page after the first");
  const start = at - (at % pageSize);
  const page = new TextDecoder("latin1").decode(bytes.subarray(start, start + pageSize));
  const lost = [...page.matchAll(/marker-(\d+)-/g)].map((m) => `c${m[1].padStart(3, "0")}`);
  for (let j = 0; j < pageSize; j++) bytes[start + j] = (j * 151 + 7) & 0xff;
  Deno.writeFileSync(path, bytes);
  return lost;
}

Deno.test("open: a damaged database keeps every row that can still be read and is set aside with its -wal", () =>
  withDir(async (dir) => {
    const path = `${dir}/registry.db`;
    await storeWith(path, 300);
    const lost = damagePageOf(path, 150);
    const strayWal = encoder.encode("not a write-ahead log");
    Deno.writeFileSync(`${path}-wal`, strayWal);
    const damaged = Deno.readFileSync(path);

    const opened = await open(path);
    const all = Array.from({ length: 300 }, (_, i) => `c${String(i).padStart(3, "0")}`);
    assert(lost.includes("c150") && lost.length < 100, lost.join(" "));
    assert.deepEqual(opened.registry.all().map((x) => x.serviceId), all.filter((id) => !lost.includes(id)));
    assert.equal(opened.registry.status("c299").component.metadata.marker, "marker-299-".padEnd(120, "x"));
    assert.equal(opened.report.recovered?.keptAs, `${path}.damaged`);
    assert.equal(opened.report.recovered?.rows, 300 - lost.length);
    assert.match(opened.report.recovered!.problem, /.+/);
    assert.deepEqual(Deno.readFileSync(`${path}.damaged`), damaged, "the damaged file is kept as it was");
    assert.deepEqual(Deno.readFileSync(`${path}.damaged-wal`), strayWal);
    // The new database is sound and takes changes.
    opened.registry.register(info("new"), "", 1);
    await opened.store.flush();
    await opened.store.close();
    const again = await open(path);
    assert.equal(again.report.recovered, undefined);
    assert.equal(again.registry.all().length, 300 - lost.length + 1);
    await again.store.close();
  }));

Deno.test("open: a database whose first page is gone is set aside, and a second damage gets its own name", () =>
  withDir(async (dir) => {
    const path = `${dir}/registry.db`;
    for (const keptAs of [`${path}.damaged`, `${path}.damaged-2`]) {
      await storeWith(path, 20);
      const bytes = Deno.readFileSync(path);
      bytes.fill(0x41, 0, 100); // the header: now neither SQLite nor text
      Deno.writeFileSync(path, bytes);
      const opened = await open(path);
      assert.equal(opened.report.recovered?.keptAs, keptAs);
      assert.match(opened.report.recovered!.problem, /not a database/);
      assert.equal(opened.report.recovered?.rows, 0);
      await opened.store.close();
    }
  }));

Deno.test("open: the Go flowctl server's BoltDB file is refused and left byte for byte, not set aside as damaged", () =>
  withDir(async (dir) => {
    const path = `${dir}/flowctl-service-registry.db`;
    // A BoltDB meta page: a 16-byte page header, then the magic 0xED0CDAED (little-endian).
    const bytes = new Uint8Array(8192);
    bytes.set([0xed, 0xda, 0x0c, 0xed], 16);
    bytes.set(new TextEncoder().encode("services"), 4200);
    Deno.writeFileSync(path, bytes);
    await assert.rejects(openStore(path), /flowctl-service-registry\.db is a BoltDB file, as the Go flowctl server keeps; .*give another path/);
    assert.deepEqual(Deno.readFileSync(path), bytes);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["flowctl-service-registry.db"], "nothing beside it");
  }));

Deno.test("open: a replacement a crash left complete is put in place; a half-built one is thrown away", () =>
  withDir(async (dir) => {
    const path = `${dir}/registry.db`;
    // A complete replacement beside the JSON-lines file it was converted from.
    await storeWith(`${dir}/built.db`, 3);
    Deno.renameSync(`${dir}/built.db`, `${path}.replacement`);
    const text = JSON.stringify({ bucket: "services", key: "c000", value: record("c000") }) + "\n";
    Deno.writeTextFileSync(path, text);
    Deno.writeTextFileSync(`${path}.replacement-tmp`, "half-built");
    const opened = await open(path);
    assert.deepEqual(opened.registry.all().map((x) => x.serviceId), ["c000", "c001", "c002"]);
    assert.deepEqual(opened.report.imported, { rows: 3, keptAs: `${path}.jsonl-imported` });
    assert.equal(Deno.readTextFileSync(`${path}.jsonl-imported`), text);
    assert(!(await exists(`${path}.replacement`)));
    assert(!(await exists(`${path}.replacement-tmp`)));
    await opened.store.close();
  }));

Deno.test("stored values: every field is checked, bad rows are skipped with a reason, and copies hold only known fields", () => {
  const data = emptyBuckets();
  const good = { ...record("good"), extra: "dropped" };
  data.services.set("good", good);
  data.services.set("constructor", record("constructor"));
  data.services.set("s1", "text");
  data.services.set("s2", null);
  data.services.set("s3", {});
  data.services.set("s4", {
    ...record("s4"),
    component: { ...record("s4").component, inputEventTypes: [1] },
  });
  data.services.set("s5", { ...record("s5"), metrics: { n: 5 } });
  data.services.set("s6", { ...record("s6"), registeredAt: Infinity });
  data.services.set("s7", record("not-s7"));
  data.services.set("s8", record("s8", { big: "x".repeat(70_000) }));
  data.runs.set("r1", { runId: "r1" });
  const state = checkStoredState(data);
  assert.deepEqual([...state.services.keys()], ["good", "constructor"]);
  assert.equal(Object.hasOwn(state.services.get("good")!, "extra"), false);
  assert.deepEqual(state.runs.size, 0);
  assert.deepEqual(state.skipped, [
    { where: 'services row "s1"', reason: "the value is not an object" },
    { where: 'services row "s2"', reason: "the value is not an object" },
    { where: 'services row "s3"', reason: "serviceId is not a string" },
    { where: 'services row "s4"', reason: "component.inputEventTypes[0] is not a string" },
    { where: 'services row "s5"', reason: "metrics.n is not a string" },
    { where: 'services row "s6"', reason: "registeredAt is not a number" },
    { where: 'services row "s7"', reason: 'its id "not-s7" is not its key' },
    { where: 'services row "s8"', reason: "it takes 70250 bytes, over the limit of 65536" },
    { where: 'runs row "r1"', reason: "pipelineId is not a string" },
  ]);
});

Deno.test("stored values: enum numbers the schema does not name, 64-bit counters as text (or as older versions' numbers), the sweep's flag", () => {
  const data = emptyBuckets();
  const run = (id: string, extra: Record<string, unknown> = {}, counters: Record<string, unknown> = {}) => ({
    runId: id,
    pipelineId: "p",
    pipelineName: "p",
    status: "RUNNING",
    startTime: 1,
    configYaml: "",
    error: "",
    componentIds: [],
    metrics: {
      eventsProcessed: "9007199254740993",
      eventsPerSecond: 0.5,
      bytesProcessed: "0",
      componentMetrics: { src: { eventsIn: "-1", eventsOut: "9223372036854775807", bytesIn: "0", bytesOut: "0", processingTimeMs: 1.5, ...counters } },
    },
    ...extra,
  });
  data.services.set("newer", { ...record("newer"), status: 42, component: { ...record("newer").component, type: 9 } });
  data.services.set("named", { ...record("named"), status: 2 });
  data.services.set("expired", { ...record("expired"), status: "UNHEALTHY", expired: true });
  data.services.set("old", { ...record("old"), status: "UNHEALTHY" });
  data.services.set("bad1", { ...record("bad1"), status: 1.5 });
  data.services.set("bad2", { ...record("bad2"), status: 2 ** 31 });
  data.services.set("bad3", { ...record("bad3"), expired: "yes" });
  data.services.set("bad4", { ...record("bad4"), expired: true });
  data.runs.set("exact", run("exact", { status: 17 }));
  data.runs.set("older", run("older", { metrics: { eventsProcessed: 40, eventsPerSecond: 1, bytesProcessed: 2 ** 63, componentMetrics: {} } }));
  data.runs.set("bad5", run("bad5", {}, { eventsIn: "9223372036854775808" }));
  data.runs.set("bad6", run("bad6", {}, { eventsIn: "1e3" }));
  data.runs.set("bad7", run("bad7", {}, { eventsIn: 1.5 }));
  data.runs.set("bad8", run("bad8", {}, { eventsIn: "007" }));
  const state = checkStoredState(data);
  assert.deepEqual([...state.services.keys()], ["newer", "named", "expired", "old"]);
  assert.deepEqual([state.services.get("newer")!.status, state.services.get("newer")!.component.type], [42, 9]);
  assert.equal(state.services.get("named")!.status, "HEALTHY", "a named value's number is its name");
  assert.equal(state.services.get("expired")!.expired, true);
  assert.equal(Object.hasOwn(state.services.get("old")!, "expired"), false, "without the flag: the component's own word");
  assert.deepEqual([...state.runs.keys()], ["exact", "older"]);
  assert.equal(state.runs.get("exact")!.status, 17);
  assert.deepEqual(state.runs.get("exact")!.metrics, run("exact").metrics);
  const older = state.runs.get("older")!.metrics;
  assert.deepEqual([older.eventsProcessed, older.bytesProcessed], ["40", "9223372036854775807"], "2^63 (int64's largest, rounded) clamped back");
  const reason = (where: string) => state.skipped.find((s) => s.where === where)?.reason;
  assert.equal(reason('services row "bad1"'), "status is not one of UNKNOWN, STARTING, HEALTHY, DEGRADED, UNHEALTHY, STOPPING or an enum number");
  assert.match(reason('services row "bad2"')!, /^status is not one of/);
  assert.equal(reason('services row "bad3"'), "expired is not true or false");
  assert.equal(reason('services row "bad4"'), "expired is set but the status is not UNHEALTHY");
  for (const id of ["bad5", "bad6", "bad7", "bad8"]) {
    assert.equal(reason(`runs row "${id}"`), "metrics.componentMetrics.src.eventsIn is not a 64-bit integer", id);
  }
  assert.equal(state.skipped.length, 8);
});

Deno.test("sqlite store: enum numbers, exact 64-bit counters and the sweep's verdict survive a restart", () =>
  withDir(async (dir) => {
    const path = `${dir}/registry.db`;
    const first = await open(path);
    first.registry.register({ ...info("newer"), type: 9 }, "", 1);
    first.registry.heartbeat("newer", 42, {}, 2);
    first.registry.register(info("silent"), "", 1);
    first.registry.register(info("sick"), "", 1);
    first.registry.heartbeat("sick", "UNHEALTHY", {}, 1);
    first.registry.sweep(TTL + 10);
    first.runs.create({ runId: "r", pipelineName: "p", configYaml: "", componentIds: [] }, 3);
    const metrics = {
      eventsProcessed: "9007199254740993",
      eventsPerSecond: 1,
      bytesProcessed: "-9223372036854775808",
      componentMetrics: { src: { eventsIn: "1", eventsOut: "9223372036854775807", bytesIn: "0", bytesOut: "0", processingTimeMs: 0 } },
    };
    first.runs.update("r", 17, metrics, "", 4);
    await first.store.flush();
    await first.store.close();

    const again = await open(path);
    assert.deepEqual(again.state.skipped, []);
    assert.deepEqual([again.registry.status("newer").status, again.registry.status("newer").component.type], [42, 9]);
    assert.deepEqual(again.runs.get("r").metrics, metrics);
    assert.equal(again.runs.get("r").status, 17);
    // After the restart the sweep's verdict is still told from the component's own.
    again.registry.heartbeat("silent", "UNKNOWN", {}, TTL + 20);
    again.registry.heartbeat("sick", "UNKNOWN", {}, TTL + 20);
    assert.equal(again.registry.status("silent").status, "HEALTHY");
    assert.equal(again.registry.status("sick").status, "UNHEALTHY");
    await again.store.close();
  }));
