/**
 * The control plane over real sockets: both gRPC services as an SDK client
 * calls them, error codes for bad requests, TTL expiry, the HTTP endpoints,
 * and persistence across a restart and a kill -9.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { spawnControlPlane } from "../support/helpers.ts";
import { client, code, type Reply, withControlPlane } from "../support/controlplane_client.ts";

Deno.test("control plane gRPC: register, heartbeat, status, discover, list, unregister (flowctl.v1)", () =>
  withControlPlane(async (cp) => {
    const v1 = client("v1", cp.grpcPort);
    const reg = await v1.call("RegisterComponent", {
      component: {
        id: "src",
        name: "Source",
        type: "COMPONENT_TYPE_SOURCE",
        output_event_types: ["ledger"],
        endpoint: "127.0.0.1:50051",
        metadata: { network: "testnet" },
      },
    });
    assert.equal(reg.service_id, "src");
    assert.deepEqual(reg.assigned_topics, ["ledger.v1"]);
    assert.deepEqual(reg.connection_info, { control_plane_endpoint: `127.0.0.1:${cp.grpcPort}` });
    await v1.call("RegisterComponent", {
      component_id: "sink-1",
      component: { type: "COMPONENT_TYPE_CONSUMER", input_event_types: ["ledger"] },
    });
    await v1.call("Heartbeat", { service_id: "src", status: "HEALTH_STATUS_DEGRADED", metrics: { lag: "3" } });
    await v1.call("Heartbeat", { service_id: "src", metrics: { rate: "9" } }); // UNKNOWN keeps DEGRADED

    const status = await v1.call("GetComponentStatus", { service_id: "src" });
    assert.equal(status.status, "HEALTH_STATUS_DEGRADED");
    assert.deepEqual(status.metrics, { lag: "3", rate: "9" });
    assert.equal(status.component.name, "Source");
    // Timestamps' seconds are int64: decimal text, like every 64-bit integer.
    assert.equal(typeof status.registered_at.seconds, "string");
    assert(Number(status.last_heartbeat.seconds) >= Number(status.registered_at.seconds));
    assert(Math.abs(Number(status.registered_at.seconds) - Date.now() / 1000) < 60);

    const discover = async (request: unknown) => (await v1.call("DiscoverComponents", request)).components.map((c: Reply) => c.id);
    assert.deepEqual(await discover({ event_types: ["ledger"] }), ["sink-1", "src"]);
    assert.deepEqual(await discover({ type: "COMPONENT_TYPE_SOURCE" }), ["src"]);
    assert.deepEqual(await discover({ metadata_filters: { network: "mainnet" } }), []);

    const listed = async (request: unknown) =>
      (await v1.call("ListComponents", request)).components.map((c: Reply) => `${c.component.id}:${c.status}`);
    assert.deepEqual(await listed({}), ["sink-1:HEALTH_STATUS_HEALTHY"]);
    assert.deepEqual(await listed({ include_unhealthy: true }), ["sink-1:HEALTH_STATUS_HEALTHY", "src:HEALTH_STATUS_DEGRADED"]);

    await v1.call("UnregisterComponent", { service_id: "sink-1" });
    assert.deepEqual(await listed({ include_unhealthy: true }), ["src:HEALTH_STATUS_DEGRADED"]);
    // As Go: unregistering again, or an id never registered, is no error.
    await v1.call("UnregisterComponent", { service_id: "sink-1" });
    await v1.call("UnregisterComponent", { service_id: "ghost" });
    await assert.rejects(v1.call("UnregisterComponent", { service_id: "" }), code("INVALID_ARGUMENT"));
    assert.deepEqual(await listed({ include_unhealthy: true }), ["src:HEALTH_STATUS_DEGRADED"]);
    v1.close();
  }));

Deno.test("control plane gRPC: bad requests get status codes and the server keeps serving", () =>
  withControlPlane(async (cp) => {
    const v1 = client("v1", cp.grpcPort);
    await assert.rejects(v1.call("Heartbeat", { service_id: "ghost" }), code("NOT_FOUND"));
    await assert.rejects(v1.call("GetComponentStatus", { service_id: "" }), code("INVALID_ARGUMENT"));
    const huge = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, "v"]));
    await assert.rejects(v1.call("RegisterComponent", { component: { id: "x", metadata: huge } }), code("RESOURCE_EXHAUSTED"));
    await assert.rejects(v1.call("RegisterComponent", { component: { id: "y".repeat(5000) } }), code("RESOURCE_EXHAUSTED"));
    // A message over the size limit is refused by grpc-js before it reaches us.
    await assert.rejects(v1.call("RegisterComponent", { component: { id: "w", description: "d".repeat(5 << 20) } }), code("RESOURCE_EXHAUSTED"));

    // Raw bytes: not a protobuf message at all, or strings that are not UTF-8 (proto3 requires it).
    const raw = new grpc.Client(`127.0.0.1:${cp.grpcPort}`, grpc.credentials.createInsecure());
    const send = (path: string, bytes: number[]) =>
      new Promise<grpc.ServiceError | null>((resolve) =>
        raw.makeUnaryRequest(path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b, new Uint8Array(bytes), (err) => resolve(err))
      );
    const garbage = await send("/flowctl.v1.ControlPlaneService/RegisterComponent", [0xff, 0xff, 0xff, 0xff, 0x0f, 0x12]);
    assert.deepEqual([garbage?.code, garbage?.details], [grpc.status.INVALID_ARGUMENT, "#536870911 has wire type 7, which no protobuf message uses here"]);
    // RegisterRequest{component: {id: <ff fe>}}, then {component: {id: "ok", metadata: {<ff>: "v"}}}.
    const badId = await send("/flowctl.v1.ControlPlaneService/RegisterComponent", [0x0a, 0x04, 0x0a, 0x02, 0xff, 0xfe]);
    assert.deepEqual([badId?.code, badId?.details], [grpc.status.INVALID_ARGUMENT, "component.id is not valid UTF-8"]);
    const badKey = await send(
      "/flowctl.v1.ControlPlaneService/RegisterComponent",
      [0x0a, 0x0c, 0x0a, 0x02, 0x6f, 0x6b, 0x4a, 0x06, 0x0a, 0x01, 0xff, 0x12, 0x01, 0x76],
    );
    assert.deepEqual([badKey?.code, badKey?.details], [grpc.status.INVALID_ARGUMENT, "component.metadata.key is not valid UTF-8"]);
    const legacyBad = await send("/flowctl.ControlPlane/Register", [0x0a, 0x01, 0x80]);
    assert.deepEqual([legacyBad?.code, legacyBad?.details], [grpc.status.INVALID_ARGUMENT, "service_id is not valid UTF-8"]);
    raw.close();
    const metrics = await (await fetch(`http://127.0.0.1:${cp.httpPort}/metrics`)).text();
    assert.match(metrics, /^flowctl_grpc_calls_total\{method="flowctl.v1.ControlPlaneService\/RegisterComponent",code="INVALID_ARGUMENT"\} 3$/m);

    assert.deepEqual((await v1.call("ListComponents", { include_unhealthy: true })).components, []);
    await v1.call("RegisterComponent", { component: { id: "still-fine" } });
    v1.close();
  }));

Deno.test("control plane gRPC: a silent component turns unhealthy after the TTL; its next heartbeat is proof of life, its own UNHEALTHY is not undone", () =>
  withControlPlane(async (cp) => {
    const v1 = client("v1", cp.grpcPort);
    const legacy = client("legacy", cp.grpcPort);
    await v1.call("RegisterComponent", { component: { id: "quiet", type: "COMPONENT_TYPE_PROCESSOR" } });
    await v1.call("RegisterComponent", { component: { id: "chatty", type: "COMPONENT_TYPE_PROCESSOR" } });
    await v1.call("RegisterComponent", { component: { id: "sick", type: "COMPONENT_TYPE_PROCESSOR" } });
    await v1.call("Heartbeat", { service_id: "sick", status: "HEALTH_STATUS_UNHEALTHY" });
    await legacy.call("Register", { service_id: "old-style", service_type: "SERVICE_TYPE_SINK" });
    // Heartbeats with no status (0), as flowctl-sdk sends them when all is well.
    const beats = setInterval(() => v1.call("Heartbeat", { service_id: "chatty" }).catch(() => {}), 50);
    try {
      await new Promise((r) => setTimeout(r, 700));
      const status = async (id: string) => (await v1.call("GetComponentStatus", { service_id: id })).status;
      assert.equal(await status("quiet"), "HEALTH_STATUS_UNHEALTHY");
      assert.equal(await status("old-style"), "HEALTH_STATUS_UNHEALTHY");
      assert.equal(await status("chatty"), "HEALTH_STATUS_HEALTHY");
      const health = await (await fetch(`http://127.0.0.1:${cp.httpPort}/health`)).json();
      assert.equal(health.pipeline, "degraded");
      // Silent past the TTL, then a heartbeat with no status: alive, so HEALTHY (Go would keep it UNHEALTHY).
      await v1.call("Heartbeat", { service_id: "quiet" });
      assert.equal(await status("quiet"), "HEALTH_STATUS_HEALTHY");
      // A legacy heartbeat carries no status at all: the same.
      await legacy.call("Heartbeat", { service_id: "old-style", metrics: { rows: 1 } });
      assert.equal((await legacy.call("GetServiceStatus", { service_id: "old-style" })).is_healthy, true);
      // One that said itself it is unhealthy stays so through heartbeats with no status, until it says otherwise.
      await v1.call("Heartbeat", { service_id: "sick" });
      assert.equal(await status("sick"), "HEALTH_STATUS_UNHEALTHY");
      await v1.call("Heartbeat", { service_id: "sick", status: "HEALTH_STATUS_HEALTHY" });
      assert.equal(await status("sick"), "HEALTH_STATUS_HEALTHY");
    } finally {
      clearInterval(beats);
      v1.close();
      legacy.close();
    }
  }, { ttlMs: 300, sweepMs: 50 }));

Deno.test("control plane gRPC: registering again starts afresh, as Go: a new registered_at, no metrics, HEALTHY", () =>
  withControlPlane(async (cp) => {
    const v1 = client("v1", cp.grpcPort);
    const at = (t: Reply) => Number(t.seconds) * 1000 + t.nanos / 1e6;
    await v1.call("RegisterComponent", { component: { id: "w", type: "COMPONENT_TYPE_SOURCE" } });
    await v1.call("Heartbeat", { service_id: "w", status: "HEALTH_STATUS_DEGRADED", metrics: { processed: "100" } });
    const first = await v1.call("GetComponentStatus", { service_id: "w" });
    await new Promise((r) => setTimeout(r, 20));
    await v1.call("RegisterComponent", { component: { id: "w", type: "COMPONENT_TYPE_SOURCE" } });
    const again = await v1.call("GetComponentStatus", { service_id: "w" });
    assert.deepEqual([again.status, again.metrics], ["HEALTH_STATUS_HEALTHY", {}]);
    assert(at(again.registered_at) >= at(first.registered_at) + 20, "registered anew");
    v1.close();
  }));

Deno.test("control plane gRPC: enum values the schema does not name are kept and sent back as the same numbers", () =>
  withControlPlane(async (cp) => {
    const v1 = client("v1", cp.grpcPort);
    const legacy = client("legacy", cp.grpcPort);
    await v1.call("RegisterComponent", { component: { id: "newer", type: 9 } });
    await v1.call("Heartbeat", { service_id: "newer", status: 42 });
    const status = await v1.call("GetComponentStatus", { service_id: "newer" });
    assert.deepEqual([status.status, status.component.type], [42, 9]);
    assert.deepEqual((await v1.call("DiscoverComponents", { type: 9 })).components.map((c: Reply) => c.id), ["newer"]);
    assert.deepEqual((await v1.call("ListComponents", { type_filter: 9 })).components, [], "42 is not HEALTHY");
    assert.deepEqual((await v1.call("ListComponents", { type_filter: 9, include_unhealthy: true })).components.map((c: Reply) => c.status), [42]);
    // Through the legacy service: the same number, and not healthy.
    const seen = await legacy.call("GetServiceStatus", { service_id: "newer" });
    assert.deepEqual([seen.service_type, seen.is_healthy], [9, false]);
    await legacy.call("Register", { service_id: "odd-type", service_type: 11 });
    assert.equal((await v1.call("GetComponentStatus", { service_id: "odd-type" })).component.type, 11);
    assert.equal((await legacy.call("GetServiceStatus", { service_id: "odd-type" })).service_type, 11);
    // A run status of 17: kept, listed by it, not finished.
    await legacy.call("CreatePipelineRun", { run_id: "r", pipeline_name: "p" });
    const run = await legacy.call("UpdatePipelineRun", { run_id: "r", status: 17 });
    assert.deepEqual([run.status, run.end_time], [17, null]);
    assert.deepEqual((await legacy.call("ListPipelineRuns", { status: 17 })).runs.map((r: Reply) => r.run_id), ["r"]);

    const base = `http://127.0.0.1:${cp.httpPort}`;
    const services = (await (await fetch(`${base}/api/services`)).json()).services;
    assert.deepEqual(services.map((s: Reply) => [s.service_id, s.type, s.status]), [
      ["newer", "UNKNOWN(9)", "UNKNOWN(42)"],
      ["odd-type", "UNKNOWN(11)", "HEALTHY"],
    ]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^flowctl_components\{status="UNKNOWN"\} 1$/m);
    assert.match(metrics, /^flowctl_pipeline_components\{state="unknown"\} 1$/m);
    assert.match(metrics, /^flowctl_component_healthy\{service_id="newer",type="UNKNOWN\(9\)"\} 0$/m);
    // The unknown status 42 is counted as unknown, never a label of its own (a sample's value, a time, may hold "42").
    assert.doesNotMatch(metrics, /\{[^}\n]*42[^}\n]*\}/);
    assert.equal((await (await fetch(`${base}/health`)).json()).pipeline, "degraded");
    const runs = (await (await fetch(`${base}/api/runs?status=17`)).json()).runs;
    assert.deepEqual(runs.map((r: Reply) => [r.run_id, r.status]), [["r", "UNKNOWN(17)"]]);
    v1.close();
    legacy.close();
  }));

Deno.test("control plane gRPC: 64-bit counters are exact over gRPC, across a restart, and strings in /api/runs", async () => {
  const dir = await Deno.makeTempDir();
  const big = "9007199254740993"; // 2^53 + 1: a double (and so a JSON number) cannot hold it
  const metrics = {
    events_processed: big,
    events_per_second: 12.5,
    bytes_processed: "-9223372036854775808",
    component_metrics: { src: { events_in: "1", events_out: big, bytes_in: "0", bytes_out: "9223372036854775807", processing_time_ms: 0.25 } },
  };
  try {
    await withControlPlane(async (cp) => {
      const legacy = client("legacy", cp.grpcPort);
      await legacy.call("CreatePipelineRun", { run_id: "r", pipeline_name: "p" });
      const updated = await legacy.call("UpdatePipelineRun", { run_id: "r", status: "RUN_STATUS_RUNNING", metrics });
      assert.deepEqual(updated.metrics, metrics);
      legacy.close();
    }, { dir });
    await withControlPlane(async (cp) => {
      const legacy = client("legacy", cp.grpcPort);
      assert.deepEqual((await legacy.call("GetPipelineRun", { run_id: "r" })).metrics, metrics);
      assert.deepEqual((await legacy.call("ListPipelineRuns", { limit: -1 })).runs[0].metrics, metrics);
      legacy.close();
      const page = await (await fetch(`http://127.0.0.1:${cp.httpPort}/api/runs`)).json();
      assert.deepEqual(page.runs[0].metrics, metrics, "int64 as strings, doubles as numbers");
      assert.equal(page.runs[0].status, "RUNNING");
    }, { dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("control plane HTTP: /api/runs lists runs newest first, filtered and a page at a time", () =>
  withControlPlane(async (cp) => {
    const legacy = client("legacy", cp.grpcPort);
    for (let i = 0; i < 5; i++) {
      await legacy.call("CreatePipelineRun", { run_id: `r${i}`, pipeline_name: i % 2 ? "odd" : "even" });
      await new Promise((r) => setTimeout(r, 5)); // distinct start times
    }
    await legacy.call("UpdatePipelineRun", { run_id: "r1", status: "RUN_STATUS_FAILED", error: "boom" });
    legacy.close();
    const base = `http://127.0.0.1:${cp.httpPort}/api/runs`;
    const get = async (query: string) => await (await fetch(`${base}${query}`)).json();
    assert.deepEqual((await get("")).runs.map((r: Reply) => r.run_id), ["r4", "r3", "r2", "r1", "r0"]);
    assert.deepEqual((await get("?pipeline_name=odd")).runs.map((r: Reply) => r.run_id), ["r3", "r1"]);
    const failed = (await get("?status=FAILED")).runs;
    assert.deepEqual(failed.map((r: Reply) => [r.run_id, r.status, r.error, typeof r.end_time]), [["r1", "FAILED", "boom", "string"]]);
    const pages: string[][] = [];
    let token = "";
    do {
      const page = await get(`?page_size=2&page_token=${encodeURIComponent(token)}`);
      pages.push(page.runs.map((r: Reply) => r.run_id));
      token = page.next_page_token;
    } while (token);
    assert.deepEqual(pages, [["r4", "r3"], ["r2", "r1"], ["r0"]]);
    for (const query of ["?page_token=made-up", "?status=BORED", "?page_size=-1"]) {
      const bad = await fetch(`${base}${query}`);
      assert.equal(bad.status, 400, query);
      assert.match((await bad.json()).error, /page_token is not one this server gave|is not a run status|page_size/);
    }
  }));

Deno.test("control plane gRPC: the legacy flowctl.ControlPlane registers, lists services and keeps pipeline runs", () =>
  withControlPlane(async (cp) => {
    const legacy = client("legacy", cp.grpcPort);
    const ack = await legacy.call("Register", {
      service_id: "sink-svc",
      component_id: "pg-sink",
      service_type: "SERVICE_TYPE_SINK",
      health_endpoint: "http://127.0.0.1:8088/health",
      metadata: { sink_name: "Postgres", version: "2" },
    });
    assert.equal(ack.service_id, "sink-svc");
    await legacy.call("Heartbeat", { service_id: "sink-svc", metrics: { rows: 12.5 } });
    const status = await legacy.call("GetServiceStatus", { service_id: "sink-svc" });
    assert.deepEqual([status.service_type, status.is_healthy, status.component_id, status.metrics], [
      "SERVICE_TYPE_SINK",
      true,
      "pg-sink",
      { rows: 12.5 },
    ]);
    // The same component seen through flowctl.v1: SINK is CONSUMER, names come from metadata.
    const v1 = client("v1", cp.grpcPort);
    const seen = await v1.call("GetComponentStatus", { service_id: "sink-svc" });
    assert.deepEqual([seen.component.type, seen.component.name, seen.component.version, seen.component.endpoint], [
      "COMPONENT_TYPE_CONSUMER",
      "Postgres",
      "2",
      "http://127.0.0.1:8088/health",
    ]);
    assert.deepEqual((await legacy.call("ListServices", {})).services.map((s: Reply) => s.service_id), ["sink-svc"]);

    const run = await legacy.call("CreatePipelineRun", { run_id: "run-1", pipeline_name: "p", config_yaml: "a: 1", component_ids: ["pg-sink"] });
    assert.deepEqual([run.status, run.pipeline_id, run.end_time], ["RUN_STATUS_STARTING", "p", null]);
    const updated = await legacy.call("UpdatePipelineRun", {
      run_id: "run-1",
      status: "RUN_STATUS_RUNNING",
      metrics: { events_processed: 40, component_metrics: { "pg-sink": { events_in: 40 } } },
    });
    assert.equal(updated.metrics.component_metrics["pg-sink"].events_in, "40");
    const stopped = await legacy.call("StopPipelineRun", { run_id: "run-1" });
    assert.equal(stopped.status, "RUN_STATUS_STOPPED");
    assert(Number(stopped.end_time.seconds) > 0);
    assert.deepEqual((await legacy.call("ListPipelineRuns", { pipeline_name: "p" })).runs.map((r: Reply) => r.run_id), ["run-1"]);
    await assert.rejects(legacy.call("GetPipelineRun", { run_id: "nope" }), code("NOT_FOUND"));
    await assert.rejects(legacy.call("CreatePipelineRun", { run_id: "run-1" }), code("ALREADY_EXISTS"));
    // No limit (unset, 0 or -1, which the Go CLI sends to find a run by an id prefix): every run, not the 10 newest.
    for (let i = 2; i <= 12; i++) await legacy.call("CreatePipelineRun", { run_id: `run-${i}`, pipeline_name: "q" });
    for (const request of [{}, { limit: 0 }, { limit: -1 }]) {
      const all = (await legacy.call("ListPipelineRuns", request)).runs.map((r: Reply) => r.run_id);
      assert.equal(all.length, 12, JSON.stringify(request));
      assert(all.includes("run-1"), "the oldest is there");
    }
    assert.equal((await legacy.call("ListPipelineRuns", { limit: 3 })).runs.length, 3);
    legacy.close();
    v1.close();
  }));

Deno.test("control plane HTTP: /health, /metrics (Prometheus text), /api/services, 404 and 405", () =>
  withControlPlane(async (cp) => {
    const v1 = client("v1", cp.grpcPort);
    await v1.call("RegisterComponent", { component: { id: 'we"ird\\id', type: "COMPONENT_TYPE_SOURCE" } });
    await v1.call("Heartbeat", { service_id: 'we"ird\\id', metrics: { "events seen": "12", version: "1.2.3" } });
    const base = `http://127.0.0.1:${cp.httpPort}`;
    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { status: "ok", pipeline: "healthy", components: 1 });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^# TYPE flowctl_components gauge$/m);
    assert.match(metrics, /^flowctl_component_healthy\{service_id="we\\"ird\\\\id",type="SOURCE"\} 1$/m);
    assert.match(metrics, /^flowctl_component_metric\{component_id="we\\"ird\\\\id",service_id="we\\"ird\\\\id",name="events seen"\} 12$/m);
    assert.doesNotMatch(metrics, /name="version"/);
    assert.match(metrics, /^flowctl_grpc_calls_total\{method="flowctl.v1.ControlPlaneService\/RegisterComponent",code="OK"\} 1$/m);
    const services = await (await fetch(`${base}/api/services`)).json();
    assert.equal(services.services[0].service_id, 'we"ird\\id');
    assert.equal(services.services[0].status, "HEALTHY");
    assert.equal((await fetch(`${base}/nope`).then(async (r) => (await r.body?.cancel(), r.status))), 404);
    assert.equal((await fetch(`${base}/health`, { method: "POST" }).then(async (r) => (await r.body?.cancel(), r.status))), 405);
    v1.close();
  }));

Deno.test("control plane: registrations and runs survive a restart on the same store", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withControlPlane(async (cp) => {
      const v1 = client("v1", cp.grpcPort);
      const legacy = client("legacy", cp.grpcPort);
      await v1.call("RegisterComponent", { component: { id: "kept", type: "COMPONENT_TYPE_SOURCE" } });
      await v1.call("Heartbeat", { service_id: "kept", metrics: { n: "1" } });
      await legacy.call("CreatePipelineRun", { run_id: "r", pipeline_name: "p" });
      v1.close();
      legacy.close();
    }, { dir });
    await withControlPlane(async (cp) => {
      const v1 = client("v1", cp.grpcPort);
      const legacy = client("legacy", cp.grpcPort);
      assert.deepEqual((await v1.call("GetComponentStatus", { service_id: "kept" })).metrics, { n: "1" });
      assert.equal((await legacy.call("GetPipelineRun", { run_id: "r" })).pipeline_name, "p");
      v1.close();
      legacy.close();
    }, { dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("control plane: after kill -9, every acknowledged registration is still there", async () => {
  const dir = await Deno.makeTempDir();
  const spawn = () => spawnControlPlane(["--http-port", "off", "--db", `${dir}/registry.db`]);
  try {
    const { child: first, grpcPort } = await spawn();
    const v1 = client("v1", grpcPort);
    const acked: string[] = [];
    // Register in batches of 20 and kill the server while a batch is in flight.
    let failed = 0;
    for (let batch = 0; failed === 0 && batch < 500; batch++) {
      if (acked.length >= 100) first.kill("SIGKILL");
      await Promise.all(Array.from({ length: 20 }, (_, i) => {
        const id = `c${batch * 20 + i}`;
        return v1.call("RegisterComponent", { component: { id } }).then(() => acked.push(id), () => failed++);
      }));
    }
    assert(failed > 0, "the kill cut off registrations in flight");
    await first.status;
    v1.close();

    const { child: second, grpcPort: secondPort } = await spawn();
    const again = client("v1", secondPort);
    const listed = (await again.call("ListComponents", { include_unhealthy: true })).components.map((c: Reply) => c.component.id);
    for (const id of acked) assert(listed.includes(id), `${id} was acknowledged before the crash but is gone`);
    again.close();
    second.kill("SIGTERM");
    await second.status;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("control plane: sizes are capped and long lists come in pages, so every reply stays under gRPC's 4 MiB", () =>
  withControlPlane(async (cp) => {
    const v1 = client("v1", cp.grpcPort);
    // The reported case: five components of 256 metadata entries of 4,000 characters made every listing fail.
    const huge = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`k${i}`, "v".repeat(4000)]));
    for (let i = 0; i < 5; i++) {
      await assert.rejects(v1.call("RegisterComponent", { component: { id: `huge${i}`, metadata: huge } }), code("RESOURCE_EXHAUSTED"));
    }
    // 40 components of 60,000 bytes each: 2.4 MB together, more than one page holds.
    const ids = Array.from({ length: 40 }, (_, i) => `big${String(i).padStart(2, "0")}`);
    const metadata = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`note${i}`, "x".repeat(4000)]));
    for (const id of ids) await v1.call("RegisterComponent", { component: { id, metadata } });

    const walk = async (method: string, request: Record<string, unknown>, id: (c: Reply) => string) => {
      const pages: string[][] = [];
      let token = "";
      do {
        const reply = await v1.call(method, { ...request, page_token: token });
        pages.push(reply.components.map(id));
        token = reply.next_page_token;
      } while (token);
      return pages;
    };
    const listed = await walk("ListComponents", {}, (c) => c.component.id);
    assert(listed.length > 1, "more than one page");
    assert.deepEqual(listed.flat(), ids);
    assert.deepEqual((await walk("ListComponents", { page_size: 15 }, (c) => c.component.id)).map((p) => p.length), [15, 15, 10]);
    assert.deepEqual((await walk("DiscoverComponents", {}, (c) => c.id)).flat(), ids);
    await assert.rejects(v1.call("ListComponents", { page_token: "made-up" }), code("INVALID_ARGUMENT"));

    const base = `http://127.0.0.1:${cp.httpPort}/api/services`;
    const http: string[] = [];
    let token = "";
    do {
      const page = await (await fetch(`${base}?page_token=${encodeURIComponent(token)}`)).json();
      http.push(...page.services.map((s: Reply) => s.service_id));
      token = page.next_page_token;
    } while (token);
    assert.deepEqual(http, ids);
    const bad = await fetch(`${base}?page_token=made-up`);
    assert.deepEqual([bad.status, await bad.json()], [400, { error: "page_token is not one this server gave" }]);

    // The legacy list has no paging in its protocol; these entries are small and fit.
    const legacy = client("legacy", cp.grpcPort);
    assert.equal((await legacy.call("ListServices", {})).services.length, 40);
    // Runs of 1 MiB each: a list of five would pass 4 MiB, so it is refused with a way out.
    for (let i = 0; i < 5; i++) await legacy.call("CreatePipelineRun", { run_id: `r${i}`, pipeline_name: "p", config_yaml: "y".repeat(1 << 20) });
    await assert.rejects(
      legacy.call("ListPipelineRuns", { limit: 5 }),
      (err: grpc.ServiceError) => err.code === grpc.status.RESOURCE_EXHAUSTED && /over the 4194304 a gRPC client accepts by default; ask for less/.test(err.details),
    );
    assert.equal((await legacy.call("ListPipelineRuns", { limit: 3 })).runs.length, 3);
    // Every run (limit 0 or -1) is bounded by the same cap.
    await assert.rejects(legacy.call("ListPipelineRuns", { limit: -1 }), code("RESOURCE_EXHAUSTED"));
    legacy.close();
    v1.close();
  }));

Deno.test("control plane: keys named __proto__ or constructor stay data from request to reply", () =>
  withControlPlane(async (cp) => {
    const legacy = client("legacy", cp.grpcPort);
    // JSON.parse makes __proto__ an own key, as a decoded message has it.
    await legacy.call("Register", { service_id: "odd", metadata: JSON.parse('{"constructor":"c","__proto__":"p","name":"Odd"}') });
    await legacy.call("Heartbeat", { service_id: "odd", metrics: JSON.parse('{"__proto__":3,"constructor":4}') });
    const status = await legacy.call("GetServiceStatus", { service_id: "odd" });
    assert.deepEqual(Object.entries(status.metrics).sort(), [["__proto__", 3], ["constructor", 4]]);
    const v1 = client("v1", cp.grpcPort);
    const seen = await v1.call("GetComponentStatus", { service_id: "odd" });
    assert.equal(seen.component.name, "Odd");
    assert.deepEqual(Object.entries(seen.component.metadata).sort(), [["__proto__", "p"], ["constructor", "c"], ["name", "Odd"]]);
    const found = await v1.call("DiscoverComponents", { metadata_filters: JSON.parse('{"__proto__":"p"}') });
    assert.deepEqual(found.components.map((c: Reply) => c.id), ["odd"]);

    await legacy.call("CreatePipelineRun", { run_id: "r", pipeline_name: "p" });
    const updated = await legacy.call("UpdatePipelineRun", {
      run_id: "r",
      metrics: { component_metrics: JSON.parse('{"__proto__":{"events_in":4}}') },
    });
    assert.deepEqual(Object.keys(updated.metrics.component_metrics), ["__proto__"]);
    assert.equal(Object.getOwnPropertyDescriptor(updated.metrics.component_metrics, "__proto__")?.value.events_in, "4");
    legacy.close();
    v1.close();
  }));
