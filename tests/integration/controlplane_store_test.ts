/**
 * The control plane's store across restarts and damage, through the server
 * as an operator meets it: a JSON-lines store from an older version is
 * converted once, bad records are skipped and reported (never a crash, never
 * the records after them), and a damaged database file is set aside with what
 * could be read of it kept.
 */
import assert from "node:assert/strict";
import { client, type Reply, withControlPlane } from "../support/controlplane_client.ts";

const SQLITE_HEADER = "SQLite format 3\0";

/** A services record as an older version wrote it in its JSON-lines file. */
function record(id: string, extra: Record<string, string> = {}) {
  return {
    serviceId: id,
    component: {
      id,
      name: id,
      description: "",
      version: "1",
      type: "PROCESSOR",
      inputEventTypes: [],
      outputEventTypes: [],
      endpoint: "",
      metadata: extra,
    },
    status: "HEALTHY",
    metrics: {},
    registeredAt: 1,
    lastHeartbeat: 1,
  };
}
const line = (id: string) => JSON.stringify({ bucket: "services", key: id, value: record(id) });

async function listedIds(grpcPort: number): Promise<string[]> {
  const v1 = client("v1", grpcPort);
  try {
    const ids: string[] = [];
    let token = "";
    do {
      const reply = await v1.call("ListComponents", { include_unhealthy: true, page_token: token });
      ids.push(...reply.components.map((c: Reply) => c.component.id));
      token = reply.next_page_token;
    } while (token);
    return ids;
  } finally {
    v1.close();
  }
}

async function metric(httpPort: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

async function startsWithSqliteHeader(path: string): Promise<boolean> {
  const bytes = await Deno.readFile(path);
  return new TextDecoder().decode(bytes.subarray(0, 16)) === SQLITE_HEADER;
}

Deno.test("store: a JSON-lines store with a garbage line in the middle is converted with every valid record", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ids = Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, "0")}`);
    const lines = ids.map(line);
    lines.splice(15, 0, '{"bucket":"services","key":"x","val'); // a damaged line, not the last
    const original = lines.join("\n") + "\n";
    await Deno.writeTextFile(`${dir}/registry.db`, original);

    await withControlPlane(async (cp, _dir, logs) => {
      assert.deepEqual(await listedIds(cp.grpcPort), ids);
      assert.equal(await metric(cp.httpPort!, "flowctl_store_rows_skipped_total"), 1);
      assert.equal(await metric(cp.httpPort!, "flowctl_store_rows_imported_total"), 30);
      assert(logs.some((l) => /line 16/.test(l)), logs.join("\n"));
    }, { dir });
    // The old file is kept as it was, beside the new database.
    assert.equal(await Deno.readTextFile(`${dir}/registry.db.jsonl-imported`), original);
    assert(await startsWithSqliteHeader(`${dir}/registry.db`));
    // Converted once: the next start reads the database and imports nothing.
    await withControlPlane(async (cp) => {
      assert.deepEqual(await listedIds(cp.grpcPort), ids);
      assert.equal(await metric(cp.httpPort!, "flowctl_store_rows_imported_total"), 0);
    }, { dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store: contents that once stopped the server are skipped and reported, and every endpoint keeps working", async () => {
  const bad = [
    "null",
    "42",
    '"text"',
    "[]",
    JSON.stringify({ bucket: "constructor", key: "k", value: record("k") }),
    JSON.stringify({ bucket: "__proto__", key: "k", value: record("k") }),
    JSON.stringify({ bucket: "services", key: 7, value: record("k") }),
    JSON.stringify({ bucket: "services", key: "s", value: "a string" }),
    JSON.stringify({ bucket: "services", key: "s", value: null }),
    JSON.stringify({ bucket: "services", key: "s", value: {} }),
    JSON.stringify({
      bucket: "services",
      key: "s",
      value: { ...record("s"), component: { ...record("s").component, metadata: "x" } },
    }),
    JSON.stringify({ bucket: "services", key: "s", value: { ...record("s"), status: "BORED" } }),
    JSON.stringify({ bucket: "services", key: "s", value: { ...record("s"), lastHeartbeat: "soon" } }),
    JSON.stringify({ bucket: "services", key: "other", value: record("s") }),
    JSON.stringify({ bucket: "runs", key: "r", value: "a string" }),
    JSON.stringify({ bucket: "runs", key: "r", value: {} }),
  ];
  for (const text of bad) {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/registry.db`,
        [line("a"), text, line("constructor"), line("__proto__")].join("\n") + "\n",
      );
      await withControlPlane(async (cp) => {
        assert.deepEqual(await listedIds(cp.grpcPort), ["__proto__", "a", "constructor"], text);
        const services = await fetch(`http://127.0.0.1:${cp.httpPort}/api/services`);
        assert.equal(services.status, 200, text);
        assert.deepEqual((await services.json()).services.map((s: Reply) => s.service_id), [
          "__proto__",
          "a",
          "constructor",
        ]);
        assert.equal(await metric(cp.httpPort!, "flowctl_store_rows_skipped_total"), 1, text);
        const legacy = client("legacy", cp.grpcPort);
        assert.equal((await legacy.call("ListServices", {})).services.length, 3);
        assert.deepEqual((await legacy.call("ListPipelineRuns", {})).runs, []);
        legacy.close();
      }, { dir });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("store: a damaged database file is set aside loudly (log and metric) and what could be read of it is served", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ids = Array.from({ length: 200 }, (_, i) => `c${String(i).padStart(3, "0")}`);
    await withControlPlane(async (cp) => {
      const v1 = client("v1", cp.grpcPort);
      for (const [i, id] of ids.entries()) {
        await v1.call("RegisterComponent", {
          component: { id, metadata: { marker: `marker-${i}-`.padEnd(100, "x") } },
        });
      }
      v1.close();
    }, { dir });
    // Overwrite the database page that holds component 100's record.
    const path = `${dir}/registry.db`;
    const bytes = await Deno.readFile(path);
    const pageSize = (bytes[16] << 8) | bytes[17];
    const text = new TextDecoder("latin1").decode(bytes);
    const start = text.indexOf("marker-100-") - (text.indexOf("marker-100-") % pageSize);
    const lost = [...text.slice(start, start + pageSize).matchAll(/marker-(\d+)-/g)].map((m) =>
      ids[Number(m[1])]
    );
    bytes.fill(0xa5, start, start + pageSize);
    await Deno.writeFile(path, bytes);

    await withControlPlane(async (cp, _dir, logs) => {
      assert.deepEqual(await listedIds(cp.grpcPort), ids.filter((id) => !lost.includes(id)));
      assert.equal(await metric(cp.httpPort!, "flowctl_store_recoveries_total"), 1);
      const warning = logs.find((l) => /WARNING/.test(l)) ?? "";
      assert.match(
        warning,
        new RegExp(`DAMAGED .*${200 - lost.length} records could be read.*kept as ${path}\\.damaged\\b`),
      );
      // The new database takes registrations.
      const v1 = client("v1", cp.grpcPort);
      await v1.call("RegisterComponent", { component: { id: "after" } });
      v1.close();
    }, { dir });
    assert(await startsWithSqliteHeader(`${dir}/registry.db.damaged`));
    await withControlPlane(async (cp) => {
      assert.equal(await metric(cp.httpPort!, "flowctl_store_recoveries_total"), 0);
      assert.equal((await listedIds(cp.grpcPort)).length, 200 - lost.length + 1);
    }, { dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store: an older version's records load as they were: counters as JSON numbers, UNHEALTHY with no flag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const run = {
      runId: "r",
      pipelineId: "p",
      pipelineName: "p",
      status: "RUNNING",
      startTime: 1,
      configYaml: "",
      metrics: { eventsProcessed: 40, eventsPerSecond: 2, bytesProcessed: 9007199254740992, componentMetrics: { src: { eventsIn: 1, eventsOut: 2, bytesIn: 3, bytesOut: 4, processingTimeMs: 0.5 } } },
      error: "",
      componentIds: [],
    };
    await Deno.writeTextFile(
      `${dir}/registry.db`,
      [
        JSON.stringify({ bucket: "services", key: "sick", value: { ...record("sick"), status: "UNHEALTHY" } }),
        JSON.stringify({ bucket: "runs", key: "r", value: run }),
      ].join("\n") + "\n",
    );
    await withControlPlane(async (cp) => {
      assert.equal(await metric(cp.httpPort!, "flowctl_store_rows_skipped_total"), 0);
      const legacy = client("legacy", cp.grpcPort);
      const metrics = (await legacy.call("GetPipelineRun", { run_id: "r" })).metrics;
      assert.deepEqual([metrics.events_processed, metrics.bytes_processed, metrics.component_metrics.src.bytes_out], ["40", "9007199254740992", "4"]);
      legacy.close();
      // Whether the sweep or the component said UNHEALTHY is not known: as Go, it stays so until the component says otherwise.
      const v1 = client("v1", cp.grpcPort);
      await v1.call("Heartbeat", { service_id: "sick" });
      assert.equal((await v1.call("GetComponentStatus", { service_id: "sick" })).status, "HEALTH_STATUS_UNHEALTHY");
      v1.close();
    }, { dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
