/**
 * The control plane as real flowctl clients see it, through clients made
 * from the UPSTREAM protocol files (tests/upstream/, with their commits), not
 * flowctl's own copies: what flowctl-sdk's controller, the ttp-processor-demo
 * components (legacy service) and the Go CLI's run commands send, field for
 * field, and the behaviours they rely on. Enums are sent as numbers and 64-bit
 * integers as strings, as a client that knows nothing of flowctl would.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { withControlPlane } from "../support/controlplane_client.ts";
import { ROOT } from "../support/helpers.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const upstream = (repo: string) => new URL(`tests/upstream/${repo}/proto/`, ROOT).pathname;
const OPTIONS: protoLoader.Options = { keepCase: true, enums: Number, longs: String, defaults: true };
const v1 = grpc.loadPackageDefinition(protoLoader.loadSync("flowctl/v1/control_plane.proto", { ...OPTIONS, includeDirs: [upstream("flow-proto")] })) as Any;
const legacy = grpc.loadPackageDefinition(protoLoader.loadSync("control_plane.proto", { ...OPTIONS, includeDirs: [upstream("flowctl")] })) as Any;

/** A client of an upstream service: each call a promise of its reply. */
function connect(Ctor: Any, port: number) {
  const c = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = (method: string, request: unknown): Promise<Any> =>
    new Promise((resolve, reject) => c[method](request, (err: Error | null, reply: Any) => (err ? reject(err) : resolve(reply))));
  return { call, close: () => c.close() };
}

const code = (name: keyof typeof grpc.status) => (err: { code?: number }) => err.code === grpc.status[name];

// Enum numbers as the upstream files define them.
const COMPONENT_TYPE = { SOURCE: 1, PROCESSOR: 2, CONSUMER: 3 };
const HEALTH = { UNKNOWN: 0, HEALTHY: 2, UNHEALTHY: 4 };
const SERVICE_TYPE = { PROCESSOR: 2, SINK: 3 };
const RUN_STATUS = { RUNNING: 2, COMPLETED: 3, STOPPED: 5 };

Deno.test("upstream protocol: flowctl-sdk's controller registers, heartbeats (status 0 = healthy), is discovered and listed", () =>
  withControlPlane(async (cp) => {
    const sdk = connect(v1.flowctl.v1.ControlPlaneService, cp.grpcPort);
    try {
      // registerProcessor: the id and metadata of the processor, no component_id.
      const metadata = { processor_name: "TTP", processor_version: "1.2.0", processor_description: "token transfers", endpoint: "ttp:50053" };
      const reg = await sdk.call("RegisterComponent", {
        component: {
          id: "ttp-processor-1764470000000000000",
          name: "TTP",
          description: "token transfers",
          version: "1.2.0",
          type: COMPONENT_TYPE.PROCESSOR,
          endpoint: "ttp:50053",
          input_event_types: ["raw_ledger"],
          output_event_types: ["token_transfer"],
          metadata,
        },
      });
      assert.equal(reg.service_id, "ttp-processor-1764470000000000000");
      assert.deepEqual(reg.assigned_topics, ["token_transfer.v1"]);
      assert.equal(typeof reg.connection_info.control_plane_endpoint, "string");
      // sendHeartbeatToControlPlane: the health server's state by name, 0 when it has none; metrics as text.
      await sdk.call("Heartbeat", { service_id: reg.service_id, status: HEALTH.UNKNOWN, metrics: { events_processed: "12", uptime: "3.5s" } });
      const status = await sdk.call("GetComponentStatus", { service_id: reg.service_id });
      assert.equal(status.status, HEALTH.HEALTHY);
      assert.deepEqual(status.metrics, { events_processed: "12", uptime: "3.5s" });
      assert.equal(status.component.type, COMPONENT_TYPE.PROCESSOR);
      assert.deepEqual(status.component.metadata, metadata);
      const found = await sdk.call("DiscoverComponents", { type: COMPONENT_TYPE.PROCESSOR, event_types: ["token_transfer"], metadata_filters: { processor_name: "TTP" } });
      assert.deepEqual(found.components.map((c: Any) => c.id), [reg.service_id]);
      assert.equal((await sdk.call("ListComponents", { type_filter: 0, include_unhealthy: false })).components.length, 1);
      await sdk.call("UnregisterComponent", { service_id: reg.service_id });
      // Go answers OK to unregistering an unknown id (a component unregistering after a restart of the control plane).
      await sdk.call("UnregisterComponent", { service_id: reg.service_id });
      await assert.rejects(sdk.call("UnregisterComponent", { service_id: "" }), code("INVALID_ARGUMENT"));
    } finally {
      sdk.close();
    }
  }));

Deno.test("upstream protocol: ttp-processor-demo's legacy registration and numeric heartbeats", () =>
  withControlPlane(async (cp) => {
    const demo = connect(legacy.flowctl.ControlPlane, cp.grpcPort);
    try {
      const ack = await demo.call("Register", {
        service_id: "ttp-processor",
        service_type: SERVICE_TYPE.PROCESSOR,
        input_event_types: ["raw_ledger_service.RawLedgerChunk"],
        output_event_types: ["token_transfer.TokenTransferEvent"],
        health_endpoint: "http://localhost:8088/health",
        max_inflight: 100,
        metadata: { network: "testnet", processor_name: "TTP" },
        component_id: "ttp-processor",
      });
      assert.equal(ack.service_id, "ttp-processor");
      assert.deepEqual(ack.topic_names, ["token_transfer.TokenTransferEvent.v1"]);
      await demo.call("Heartbeat", { service_id: "ttp-processor", timestamp: { seconds: "1764470000", nanos: 0 }, metrics: { success_count: 1234, error_rate: 0.5 } });
      const list = await demo.call("ListServices", {});
      assert.deepEqual(list.services.map((s: Any) => [s.service_id, s.service_type, s.is_healthy, s.metrics]), [
        ["ttp-processor", SERVICE_TYPE.PROCESSOR, true, { success_count: 1234, error_rate: 0.5 }],
      ]);
      assert.equal((await demo.call("GetServiceStatus", { service_id: "ttp-processor" })).component_id, "ttp-processor");
    } finally {
      demo.close();
    }
  }));

Deno.test("upstream protocol: the Go CLI's run commands — runs created, updated with exact 64-bit counters, listed with limit -1, stopped", () =>
  withControlPlane(async (cp) => {
    const cli = connect(legacy.flowctl.ControlPlane, cp.grpcPort);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const run = await cli.call("CreatePipelineRun", {
          run_id: `0f5e${String(i).padStart(2, "0")}aa-1111-4222-8333-444455556666`,
          pipeline_name: "ledger",
          config_yaml: "apiVersion: flowctl/v1\nkind: Pipeline\n",
          component_ids: ["source", "sink"],
        });
        ids.push(run.run_id);
      }
      const big = "9007199254740993"; // 2^53 + 1: a JSON number cannot hold it
      const updated = await cli.call("UpdatePipelineRun", {
        run_id: ids[0],
        status: RUN_STATUS.RUNNING,
        metrics: {
          events_processed: big,
          events_per_second: 12.5,
          bytes_processed: "18446744073709551",
          component_metrics: { source: { events_in: "0", events_out: big, bytes_in: "1", bytes_out: "9223372036854775807", processing_time_ms: 0.25 } },
        },
      });
      assert.equal(updated.status, RUN_STATUS.RUNNING);
      assert.equal(updated.metrics.events_processed, big);
      assert.equal(updated.metrics.bytes_processed, "18446744073709551");
      assert.equal(updated.metrics.component_metrics.source.events_out, big);
      assert.equal(updated.metrics.component_metrics.source.bytes_out, "9223372036854775807");
      assert.equal((await cli.call("GetPipelineRun", { run_id: ids[0] })).metrics.events_processed, big);
      // A rate that is not a number cannot be stored (JSON has none): refused where it arrives, not lost at a restart.
      await assert.rejects(
        cli.call("UpdatePipelineRun", { run_id: ids[2], status: RUN_STATUS.RUNNING, metrics: { events_per_second: NaN } }),
        code("INVALID_ARGUMENT"),
      );
      // `flowctl pipelines` resolves a run-id prefix with limit -1: every run, the oldest included.
      const all = await cli.call("ListPipelineRuns", { limit: -1 });
      assert.equal(all.runs.length, 12);
      assert(all.runs.some((r: Any) => r.run_id === ids[0]), "the oldest run is there");
      assert.equal((await cli.call("ListPipelineRuns", { limit: 0 })).runs.length, 12);
      assert.equal((await cli.call("ListPipelineRuns", { limit: 3 })).runs.length, 3);
      const stopped = await cli.call("StopPipelineRun", { run_id: ids[1] });
      assert.equal(stopped.status, RUN_STATUS.STOPPED);
    } finally {
      cli.close();
    }
  }));

Deno.test("upstream protocol: open enums are kept, a restart starts afresh, and a heartbeat after the TTL is proof of life", () =>
  withControlPlane(async (cp) => {
    const c = connect(v1.flowctl.v1.ControlPlaneService, cp.grpcPort);
    try {
      // A newer component's status value this control plane does not know: stored and returned as sent.
      await c.call("RegisterComponent", { component: { id: "newer", type: 7 } });
      await c.call("Heartbeat", { service_id: "newer", status: 42, metrics: {} });
      const newer = await c.call("GetComponentStatus", { service_id: "newer" });
      assert.deepEqual([newer.status, newer.component.type], [42, 7]);

      // A restart registers again: a new registered_at, and none of the predecessor's metrics.
      await c.call("RegisterComponent", { component: { id: "worker", type: COMPONENT_TYPE.SOURCE } });
      await c.call("Heartbeat", { service_id: "worker", status: HEALTH.UNKNOWN, metrics: { processed: "100" } });
      const first = await c.call("GetComponentStatus", { service_id: "worker" });
      await new Promise((r) => setTimeout(r, 1100));
      await c.call("RegisterComponent", { component: { id: "worker", type: COMPONENT_TYPE.SOURCE } });
      const again = await c.call("GetComponentStatus", { service_id: "worker" });
      assert.deepEqual(again.metrics, {});
      assert(Number(again.registered_at.seconds) > Number(first.registered_at.seconds), "registered afresh");

      // Silent past the TTL: unhealthy; its next heartbeat (status 0, as flowctl-sdk sends) makes it healthy again.
      await new Promise((r) => setTimeout(r, 1600));
      assert.equal((await c.call("GetComponentStatus", { service_id: "worker" })).status, HEALTH.UNHEALTHY);
      await c.call("Heartbeat", { service_id: "worker", status: HEALTH.UNKNOWN, metrics: {} });
      assert.equal((await c.call("GetComponentStatus", { service_id: "worker" })).status, HEALTH.HEALTHY);
      // One that says itself it is unhealthy stays so until it says otherwise.
      await c.call("Heartbeat", { service_id: "worker", status: HEALTH.UNHEALTHY, metrics: {} });
      await c.call("Heartbeat", { service_id: "worker", status: HEALTH.UNKNOWN, metrics: {} });
      assert.equal((await c.call("GetComponentStatus", { service_id: "worker" })).status, HEALTH.UNHEALTHY);
      await c.call("Heartbeat", { service_id: "worker", status: HEALTH.HEALTHY, metrics: {} });
      assert.equal((await c.call("GetComponentStatus", { service_id: "worker" })).status, HEALTH.HEALTHY);
    } finally {
      c.close();
    }
  }, { ttlMs: 1000, sweepMs: 100 }));
