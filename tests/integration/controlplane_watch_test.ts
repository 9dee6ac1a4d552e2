/**
 * flowctl.watch.v1.ComponentWatch over real grpc-js sockets: several watches
 * with filters while components come and go, a resume after a reconnect (and
 * after a restart), a slow client dropped while a fast one keeps up, the cap on
 * watches and the wire check.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { client, type Reply, withControlPlane } from "../support/controlplane_client.ts";
import { eventLine, watch, type Watcher } from "../support/watch_client.ts";

const synced = (events: Reply[]) => events.some((e) => e.kind === "KIND_SYNCED");
const lines = (w: Watcher) => w.events.map(eventLine);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("watch: several watches with filters each see exactly their sequence while components come and go", () =>
  withControlPlane(async (cp, _dir, logs) => {
    const v1 = client("v1", cp.grpcPort);
    await v1.call("RegisterComponent", {
      component: {
        id: "pre",
        type: "COMPONENT_TYPE_PROCESSOR",
        input_event_types: ["ledger"],
        metadata: { net: "testnet" },
      },
    });
    // Metrics-only heartbeats keep these alive; they are no events.
    const alive = new Set(["pre"]);
    let beat = 0;
    const beats = setInterval(() => {
      for (const id of alive) {
        v1.call("Heartbeat", { service_id: id, metrics: { n: String(beat++) } }).catch(() => {});
      }
    }, 50);
    const watchers = {
      all: watch(cp.grpcPort),
      sources: watch(cp.grpcPort, { type: "COMPONENT_TYPE_SOURCE" }),
      ledger: watch(cp.grpcPort, { event_types: ["ledger"] }),
      testnet: watch(cp.grpcPort, { metadata_filters: { net: "testnet" } }),
    };
    try {
      for (const w of Object.values(watchers)) await w.until(synced);
      await v1.call("RegisterComponent", {
        component: { id: "src", type: "COMPONENT_TYPE_SOURCE", output_event_types: ["ledger"] },
      });
      await v1.call("RegisterComponent", {
        component: {
          id: "sink",
          type: "COMPONENT_TYPE_CONSUMER",
          input_event_types: ["other"],
          metadata: { net: "mainnet" },
        },
      });
      alive.add("sink");
      await v1.call("Heartbeat", { service_id: "sink", status: "HEALTH_STATUS_DEGRADED" });
      // src sends no heartbeat: the sweep marks it UNHEALTHY after the TTL, and every watch that sees src hears of it.
      await watchers.all.until((es) =>
        es.some((e) => eventLine(e) === "HEALTH_CHANGED src UNHEALTHY was HEALTHY")
      );
      assert(logs.some((l) => /unhealthy: src$/.test(l)), logs.join("\n"));
      await v1.call("Heartbeat", { service_id: "src", status: "HEALTH_STATUS_HEALTHY" });
      alive.add("src");
      // sink registers again, now on testnet: news for every watch that sees it.
      await v1.call("RegisterComponent", {
        component: {
          id: "sink",
          type: "COMPONENT_TYPE_CONSUMER",
          input_event_types: ["other"],
          metadata: { net: "testnet" },
        },
      });
      alive.delete("sink");
      await v1.call("UnregisterComponent", { service_id: "sink" });
      alive.delete("src");
      await v1.call("UnregisterComponent", { service_id: "src" });

      const expected: Record<keyof typeof watchers, string[]> = {
        all: [
          "SNAPSHOT pre HEALTHY NEW",
          "SYNCED NEW",
          "REGISTERED src HEALTHY",
          "REGISTERED sink HEALTHY",
          "HEALTH_CHANGED sink DEGRADED was HEALTHY",
          "HEALTH_CHANGED src UNHEALTHY was HEALTHY",
          "HEALTH_CHANGED src HEALTHY was UNHEALTHY",
          "REGISTERED sink HEALTHY",
          "UNREGISTERED sink HEALTHY",
          "UNREGISTERED src HEALTHY",
        ],
        sources: [
          "SYNCED NEW",
          "REGISTERED src HEALTHY",
          "HEALTH_CHANGED src UNHEALTHY was HEALTHY",
          "HEALTH_CHANGED src HEALTHY was UNHEALTHY",
          "UNREGISTERED src HEALTHY",
        ],
        ledger: [
          "SNAPSHOT pre HEALTHY NEW",
          "SYNCED NEW",
          "REGISTERED src HEALTHY",
          "HEALTH_CHANGED src UNHEALTHY was HEALTHY",
          "HEALTH_CHANGED src HEALTHY was UNHEALTHY",
          "UNREGISTERED src HEALTHY",
        ],
        testnet: [
          "SNAPSHOT pre HEALTHY NEW",
          "SYNCED NEW",
          "REGISTERED sink HEALTHY",
          "UNREGISTERED sink HEALTHY",
        ],
      };
      for (const [name, w] of Object.entries(watchers)) {
        await w.until((es) => es.length >= expected[name as keyof typeof watchers].length);
      }
      await sleep(300); // nothing more comes: the heartbeats that kept pre alive were metrics only
      for (const [name, w] of Object.entries(watchers)) {
        assert.deepEqual(lines(w), expected[name as keyof typeof watchers], name);
        assert.equal(w.ended, undefined, `${name} is still open`);
        // Revisions only grow; every change carries a token, snapshot events none.
        const changes = w.events.filter((e) => e.kind !== "KIND_SNAPSHOT");
        const revisions = changes.map((e) => Number(e.revision));
        assert.deepEqual(revisions, [...revisions].sort((a, b) => a - b), name);
        assert.equal(new Set(revisions).size, revisions.length, name);
        assert(changes.every((e) => /^[0-9a-f]{16}-\d+$/.test(e.resume_token)), name);
        assert(w.events.filter((e) => e.kind === "KIND_SNAPSHOT").every((e) => e.resume_token === ""), name);
      }
      // The events carry flowctl.v1's ComponentStatusResponse.
      const registered = watchers.all.events[2].state;
      assert.equal(registered.component.type, "COMPONENT_TYPE_SOURCE");
      assert.deepEqual(registered.component.output_event_types, ["ledger"]);
      assert(Number(registered.last_heartbeat.seconds) > 0);
    } finally {
      clearInterval(beats);
      for (const w of Object.values(watchers)) w.close();
      v1.close();
    }
  }, { ttlMs: 600, sweepMs: 50, inMemory: true }));

Deno.test("watch: a reconnect with the resume token gets only what it missed; after a restart, a snapshot flagged so", async () => {
  const dir = await Deno.makeTempDir();
  let token = "";
  try {
    await withControlPlane(async (cp) => {
      const v1 = client("v1", cp.grpcPort);
      await v1.call("RegisterComponent", { component: { id: "a" } });
      await v1.call("RegisterComponent", { component: { id: "b" } });
      const first = watch(cp.grpcPort);
      await first.until(synced);
      await v1.call("RegisterComponent", { component: { id: "c" } });
      await first.until((es) => es.length === 4);
      assert.deepEqual(lines(first), [
        "SNAPSHOT a HEALTHY NEW",
        "SNAPSHOT b HEALTHY NEW",
        "SYNCED NEW",
        "REGISTERED c HEALTHY",
      ]);
      token = first.events[3].resume_token;
      first.close();

      await v1.call("Heartbeat", { service_id: "a", status: "HEALTH_STATUS_DEGRADED" });
      await v1.call("UnregisterComponent", { service_id: "b" });
      await v1.call("RegisterComponent", { component: { id: "d" } });
      const again = watch(cp.grpcPort, { resume_token: token });
      await again.until(synced);
      await v1.call("RegisterComponent", { component: { id: "e" } });
      await again.until((es) => es.length === 5);
      await sleep(100);
      assert.deepEqual(lines(again), [
        "HEALTH_CHANGED a DEGRADED was HEALTHY",
        "UNREGISTERED b HEALTHY",
        "REGISTERED d HEALTHY",
        "SYNCED RESUMED",
        "REGISTERED e HEALTHY",
      ]);
      token = again.events[4].resume_token;
      again.close();

      // A token this run could not have given: INVALID_ARGUMENT.
      const bad = watch(cp.grpcPort, { resume_token: `${token.slice(0, 16)}-999` });
      await assert.rejects(bad.until(() => false), /INVALID_ARGUMENT|ended/);
      assert.deepEqual([bad.ended?.code, bad.ended?.details], [
        grpc.status.INVALID_ARGUMENT,
        "resume_token is not one this server gave",
      ]);
      bad.close();
      v1.close();
    }, { dir });

    // The same store, a new run: the components are back, the log is not, so the token gets a snapshot.
    await withControlPlane(async (cp) => {
      const w = watch(cp.grpcPort, { resume_token: token });
      await w.until(synced);
      assert.deepEqual(lines(w), [
        "SNAPSHOT a DEGRADED RESTARTED",
        "SNAPSHOT c HEALTHY RESTARTED",
        "SNAPSHOT d HEALTHY RESTARTED",
        "SNAPSHOT e HEALTHY RESTARTED",
        "SYNCED RESTARTED",
      ]);
      assert.notEqual(w.events[4].resume_token.slice(0, 16), token.slice(0, 16), "a new epoch");
      w.close();
    }, { dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("watch: a token older than the log gets a snapshot flagged TOKEN_TOO_OLD", () =>
  withControlPlane(async (cp) => {
    const v1 = client("v1", cp.grpcPort);
    await v1.call("RegisterComponent", { component: { id: "a" } });
    const w = watch(cp.grpcPort);
    await w.until(synced);
    const token = w.events.at(-1).resume_token;
    w.close();
    for (let i = 0; i < 6; i++) {
      await v1.call("Heartbeat", {
        service_id: "a",
        status: i % 2 ? "HEALTH_STATUS_HEALTHY" : "HEALTH_STATUS_DEGRADED",
      });
    }
    const late = watch(cp.grpcPort, { resume_token: token });
    await late.until(synced);
    assert.deepEqual(lines(late), ["SNAPSHOT a HEALTHY TOKEN_TOO_OLD", "SYNCED TOKEN_TOO_OLD"]);
    late.close();
    v1.close();
  }, { inMemory: true, watchLimits: { logEntries: 4 } }));

Deno.test("watch: a client that stops reading is dropped with RESOURCE_EXHAUSTED; a fast one gets every change; the slow one resumes", () =>
  withControlPlane(async (cp, _dir, logs) => {
    const v1 = client("v1", cp.grpcPort);
    // Big events fill the transport's buffers sooner: about 4 KB each.
    await v1.call("RegisterComponent", { component: { id: "flappy", description: "x".repeat(4000) } });
    const slow = watch(cp.grpcPort);
    const fast = watch(cp.grpcPort);
    try {
      await slow.until(synced);
      await fast.until(synced);
      slow.stream.pause();
      const flips = 400;
      for (let i = 0; i < flips; i++) {
        await v1.call("Heartbeat", {
          service_id: "flappy",
          status: i % 2 ? "HEALTH_STATUS_HEALTHY" : "HEALTH_STATUS_DEGRADED",
        });
      }
      const changed = (es: Reply[]) => es.filter((e) => e.kind === "KIND_HEALTH_CHANGED");
      await fast.until((es) => changed(es).length === flips);
      assert.equal(fast.ended, undefined);
      const revisions = changed(fast.events).map((e) => Number(e.revision));
      assert.deepEqual(
        revisions,
        Array.from({ length: flips }, (_, i) => revisions[0] + i),
        "every change, in order",
      );
      assert(
        logs.some((l) => /^watch from .* dropped: this watch is 51 changes behind, more than the 50/.test(l)),
        logs.join("\n"),
      );

      // The slow client reads again: what reached it, then the status.
      slow.stream.resume();
      await assert.rejects(slow.until(() => false), /ended/);
      assert.equal(slow.ended?.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.match(
        slow.ended!.details,
        /changes behind.*its client reads too slowly; watch again with the resume_token of the last event received/,
      );
      const got = changed(slow.events).length;
      assert(got < flips - 50, `the slow one got ${got} of ${flips}`);
      const metrics = await (await fetch(`http://127.0.0.1:${cp.httpPort}/metrics`)).text();
      assert.match(
        metrics,
        /^flowctl_grpc_calls_total\{method="flowctl.watch.v1.ComponentWatch\/Watch",code="RESOURCE_EXHAUSTED"\} 1$/m,
      );

      // Watching again from its last token, it gets exactly the rest.
      const last = slow.events.filter((e) => e.resume_token).at(-1);
      const resumed = watch(cp.grpcPort, { resume_token: last.resume_token });
      await resumed.until(synced);
      const rest = changed(resumed.events).map((e) => Number(e.revision));
      assert.deepEqual(
        rest,
        Array.from(
          { length: revisions.at(-1)! - Number(last.revision) },
          (_, i) => Number(last.revision) + 1 + i,
        ),
      );
      assert.equal(resumed.events.at(-1).start, "START_RESUMED");
      resumed.close();
    } finally {
      slow.close();
      fast.close();
      v1.close();
    }
  }, { inMemory: true, watchLimits: { maxBehind: 50, logEntries: 1000 } }));

Deno.test("watch: past the cap a watch is RESOURCE_EXHAUSTED; a watch that ends frees its place; bad bytes are INVALID_ARGUMENT", () =>
  withControlPlane(async (cp) => {
    const one = watch(cp.grpcPort);
    const two = watch(cp.grpcPort);
    await one.until(synced);
    await two.until(synced);
    const three = watch(cp.grpcPort);
    await assert.rejects(three.until(synced), /ended/);
    assert.deepEqual([three.ended?.code, three.ended?.details], [
      grpc.status.RESOURCE_EXHAUSTED,
      "2 watches are open, the most this control plane serves: watch again later",
    ]);
    three.close();
    one.close();
    let four: Watcher | undefined;
    for (let attempt = 0; attempt < 50 && !four?.events.length; attempt++) {
      four?.close();
      await sleep(20);
      four = watch(cp.grpcPort);
      await four.until((es) => es.length > 0 || four!.ended !== undefined, 2000).catch(() => {});
    }
    assert.equal(lines(four!).join(), "SYNCED NEW", "the place of the closed watch is free again");
    four!.close();
    two.close();

    // WatchRequest{event_types: [<ff>]}: not UTF-8, refused before decoding, as for the unary calls.
    const raw = new grpc.Client(`127.0.0.1:${cp.grpcPort}`, grpc.credentials.createInsecure());
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      const call = raw.makeServerStreamRequest(
        "/flowctl.watch.v1.ComponentWatch/Watch",
        (b: Uint8Array) => Buffer.from(b),
        (b: Buffer) => b,
        new Uint8Array([0x12, 0x01, 0xff]),
      );
      call.on("data", () => {});
      call.on("status", resolve);
      call.on("error", () => {});
    });
    assert.deepEqual([status.code, status.details], [
      grpc.status.INVALID_ARGUMENT,
      "event_types is not valid UTF-8",
    ]);
    raw.close();
  }, { inMemory: true, watchLimits: { maxSubscribers: 2 } }));
