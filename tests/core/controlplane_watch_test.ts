/** The watch hub (real-time discovery) over a registry with a fake clock: no sockets, no timers. */
import assert from "node:assert/strict";
import { type ControlPlaneError, type DiscoveryFilter, Registry } from "../../controlplane/registry.ts";
import { type Watch, type WatchEvent, WatchHub, type WatchLimits } from "../../controlplane/watch_hub.ts";
import { componentInfo as info } from "../support/component_info.ts";

const TTL = 1000;
const ALL: DiscoveryFilter = { type: "UNSPECIFIED", eventTypes: [], metadata: {} };

function setUp(limits: Partial<WatchLimits> = {}, epoch = "00000000000000aa") {
  const registry = new Registry({ heartbeatTtlMs: TTL, endpoint: "cp:8080" });
  const hub = new WatchHub(registry, { limits, epoch });
  return { registry, hub };
}

/** A watch whose listener counts wake-ups and keeps the reason it was dropped. */
function open(hub: WatchHub, filter: DiscoveryFilter = ALL, token = "") {
  const seen = { ready: 0, dropped: [] as string[] };
  const watch = hub.watch(filter, token, {
    ready: () => seen.ready++,
    dropped: (why) => seen.dropped.push(why),
  });
  return { watch, seen };
}

/** Every event the watch has now, as `KIND id status` lines. */
function drain(watch: Watch): string[] {
  const out: string[] = [];
  for (let e = watch.next(); e; e = watch.next()) out.push(line(e));
  return out;
}

function drainEvents(watch: Watch): WatchEvent[] {
  const out: WatchEvent[] = [];
  for (let e = watch.next(); e; e = watch.next()) out.push(e);
  return out;
}

function line(e: WatchEvent): string {
  const parts = [
    e.kind,
    e.serviceId,
    e.record?.status,
    e.previousStatus && `was ${e.previousStatus}`,
    e.start,
  ];
  return parts.filter(Boolean).join(" ");
}

Deno.test("WatchHub: a snapshot, then registrations, health changes (heartbeats and the TTL sweep) and unregistrations", () => {
  const { registry, hub } = setUp();
  registry.register(info("b"), "", 0);
  registry.register(info("a"), "", 0);
  const { watch, seen } = open(hub);
  assert.deepEqual(drain(watch), ["SNAPSHOT a HEALTHY NEW", "SNAPSHOT b HEALTHY NEW", "SYNCED NEW"]);
  assert.equal(watch.next(), undefined);

  registry.register(info("c"), "", 10);
  registry.heartbeat("c", "DEGRADED", {}, 20);
  registry.heartbeat("c", "UNKNOWN", { rows: "5" }, 30); // metrics only: no event
  registry.heartbeat("a", "HEALTHY", {}, 900); // a stays alive, b goes silent
  registry.sweep(1500);
  registry.heartbeat("b", "UNKNOWN", {}, 1600); // a heartbeat after the sweep brings it back
  registry.unregister("c");
  registry.unregister("never-registered"); // nothing to remove: no event
  registry.register(info("a", "PROCESSOR", { version: "2" }), "", 1700); // registered again: news, same status
  assert(seen.ready >= 5);
  const events = drainEvents(watch);
  assert.deepEqual(events.map(line), [
    "REGISTERED c HEALTHY",
    "HEALTH_CHANGED c DEGRADED was HEALTHY",
    "HEALTH_CHANGED b UNHEALTHY was HEALTHY",
    "HEALTH_CHANGED b HEALTHY was UNHEALTHY",
    "UNREGISTERED c DEGRADED",
    "REGISTERED a HEALTHY",
  ]);
  assert.equal(events.at(-1)!.record!.component.version, "2");
  // Revisions count every change the hub saw, one each, and the token carries the run and the revision.
  assert.deepEqual(events.map((e) => e.revision), [3, 4, 5, 6, 7, 8]);
  assert.deepEqual(events.map((e) => e.resumeToken), events.map((e) => `00000000000000aa-${e.revision}`));
  assert.equal(hub.revision, 8);
});

Deno.test("WatchHub: the snapshot is the state at its revision; changes made while it is sent follow the SYNCED marker", () => {
  const { registry, hub } = setUp();
  registry.register(info("a"), "", 0);
  const { watch } = open(hub);
  registry.heartbeat("a", "UNHEALTHY", {}, 1);
  registry.register(info("b"), "", 2);
  const events = drainEvents(watch);
  assert.deepEqual(events.map(line), [
    "SNAPSHOT a HEALTHY NEW",
    "SYNCED NEW",
    "HEALTH_CHANGED a UNHEALTHY was HEALTHY",
    "REGISTERED b HEALTHY",
  ]);
  // Snapshot events carry the snapshot's revision and no token: one cut short is sent again whole.
  assert.deepEqual([events[0].revision, events[0].resumeToken, events[1].revision, events[1].resumeToken], [
    1,
    "",
    1,
    "00000000000000aa-1",
  ]);
});

Deno.test("WatchHub: filters are DiscoverComponents' (type, any event type, all metadata), also for what moves in and out", () => {
  const { registry, hub } = setUp();
  registry.register(
    info("src", "SOURCE", { outputEventTypes: ["ledger"], metadata: { net: "testnet" } }),
    "",
    0,
  );
  registry.register(
    info("proc", "PROCESSOR", { inputEventTypes: ["ledger"], outputEventTypes: ["tx"] }),
    "",
    0,
  );
  registry.register(
    info("sink", "CONSUMER", { inputEventTypes: ["tx"], metadata: { net: "mainnet" } }),
    "",
    0,
  );
  const filters: Record<string, DiscoveryFilter> = {
    sources: { type: "SOURCE", eventTypes: [], metadata: {} },
    ledger: { type: "UNSPECIFIED", eventTypes: ["ledger", "nothing"], metadata: {} },
    testnet: { type: "UNSPECIFIED", eventTypes: [], metadata: { net: "testnet" } },
    none: { type: "CONSUMER", eventTypes: ["ledger"], metadata: {} },
  };
  const watches = Object.fromEntries(Object.entries(filters).map(([name, f]) => [name, open(hub, f).watch]));
  for (const [name, f] of Object.entries(filters)) {
    const snapshot = drain(watches[name]).filter((l) => l.startsWith("SNAPSHOT")).map((l) => l.split(" ")[1]);
    assert.deepEqual(
      snapshot,
      registry.discover(f.type, f.eventTypes, f.metadata).map((r) => r.serviceId),
      name,
    );
  }
  registry.heartbeat("sink", "DEGRADED", {}, 1);
  // sink registers again on testnet and reading ledger: it moves into two views; src leaves testnet.
  registry.register(
    info("sink", "CONSUMER", { inputEventTypes: ["ledger"], metadata: { net: "testnet" } }),
    "",
    2,
  );
  registry.register(
    info("src", "SOURCE", { outputEventTypes: ["ledger"], metadata: { net: "mainnet" } }),
    "",
    3,
  );
  registry.heartbeat("proc", "STOPPING", {}, 4);
  registry.unregister("src");
  assert.deepEqual(drain(watches.sources), ["REGISTERED src HEALTHY", "UNREGISTERED src HEALTHY"]);
  assert.deepEqual(drain(watches.ledger), [
    "REGISTERED sink HEALTHY",
    "REGISTERED src HEALTHY",
    "HEALTH_CHANGED proc STOPPING was HEALTHY",
    "UNREGISTERED src HEALTHY",
  ]);
  assert.deepEqual(drain(watches.testnet), ["REGISTERED sink HEALTHY", "UNREGISTERED src HEALTHY"]);
  assert.deepEqual(drain(watches.none), ["REGISTERED sink HEALTHY"]);
  // What left a view is reported as it was last seen there.
  const left = open(hub, filters.testnet).watch;
  assert.deepEqual(drain(left), ["SNAPSHOT sink HEALTHY NEW", "SYNCED NEW"]);
});

Deno.test("WatchHub: a resumed watch gets only what it missed, then SYNCED; nothing missed is SYNCED alone", () => {
  const { registry, hub } = setUp();
  registry.register(info("a"), "", 0);
  const first = open(hub).watch;
  registry.register(info("b"), "", 1);
  const seen = drainEvents(first);
  const token = seen.at(-1)!.resumeToken;
  first.close();
  registry.heartbeat("a", "DEGRADED", {}, 2);
  registry.register(info("c"), "", 3);
  registry.unregister("b");
  const resumed = open(hub, ALL, token).watch;
  assert.equal(resumed.start, "RESUMED");
  const missed = drainEvents(resumed);
  assert.deepEqual(missed.map(line), [
    "HEALTH_CHANGED a DEGRADED was HEALTHY",
    "REGISTERED c HEALTHY",
    "UNREGISTERED b HEALTHY",
    "SYNCED RESUMED",
  ]);
  registry.register(info("d"), "", 4);
  assert.deepEqual(drain(resumed), ["REGISTERED d HEALTHY"]);
  const atHead = open(hub, ALL, hub.token(hub.revision)).watch;
  assert.deepEqual(drain(atHead), ["SYNCED RESUMED"]);
  // A filtered resume skips what it would not have seen.
  const sources = open(hub, { type: "SOURCE", eventTypes: [], metadata: {} }, token).watch;
  assert.deepEqual(drain(sources), ["SYNCED RESUMED"]);
});

Deno.test("WatchHub: a token older than the log, or from another run, gets a snapshot flagged as such; a made-up one is INVALID_ARGUMENT", () => {
  const { registry, hub } = setUp({ logEntries: 3, maxBehind: 3 });
  registry.register(info("a"), "", 0);
  const old = hub.token(hub.revision);
  for (let i = 0; i < 4; i++) registry.heartbeat("a", i % 2 ? "HEALTHY" : "DEGRADED", {}, i + 1);
  assert.deepEqual(drain(open(hub, ALL, old).watch), [
    "SNAPSHOT a HEALTHY TOKEN_TOO_OLD",
    "SYNCED TOKEN_TOO_OLD",
  ]);
  // Three changes back is still held.
  assert.deepEqual(drain(open(hub, ALL, hub.token(hub.revision - 3)).watch), [
    "HEALTH_CHANGED a HEALTHY was DEGRADED",
    "HEALTH_CHANGED a DEGRADED was HEALTHY",
    "HEALTH_CHANGED a HEALTHY was DEGRADED",
    "SYNCED RESUMED",
  ]);

  // The control plane restarted: a new hub (a new epoch) over the same components.
  const restarted = new WatchHub(registry, { epoch: "00000000000000bb" });
  assert.deepEqual(drain(open(restarted, ALL, old).watch), [
    "SNAPSHOT a HEALTHY RESTARTED",
    "SYNCED RESTARTED",
  ]);
  assert.notEqual(new WatchHub(registry).epoch, new WatchHub(registry).epoch, "a random epoch each run");

  for (const bad of ["garbage", "00000000000000aa-99", "00000000000000aa--1", `${old} `]) {
    assert.throws(
      () => open(hub, ALL, bad),
      (e: ControlPlaneError) => e.code === "INVALID_ARGUMENT" && /resume_token/.test(e.message),
      bad,
    );
  }
});

Deno.test("WatchHub: a watch too far behind is dropped, with a reason naming the resume token; the others keep going", () => {
  const { registry, hub } = setUp({ maxBehind: 3, logEntries: 10 });
  registry.register(info("a"), "", 0);
  const slow = open(hub);
  const fast = open(hub);
  const fastSeen: string[] = [...drain(fast.watch)];
  drain(slow.watch); // it takes the snapshot, then stops reading
  for (let i = 0; i < 6; i++) {
    registry.heartbeat("a", i % 2 ? "HEALTHY" : "DEGRADED", {}, i + 1);
    fastSeen.push(...drain(fast.watch));
  }
  assert.equal(slow.seen.dropped.length, 1);
  assert.match(
    slow.seen.dropped[0],
    /4 changes behind, more than the 3 it may be: its client reads too slowly; watch again with the resume_token/,
  );
  assert.equal(slow.watch.next(), undefined, "a dropped watch sends nothing more");
  assert.deepEqual(fast.seen.dropped, []);
  assert.equal(fastSeen.filter((l) => l.startsWith("HEALTH_CHANGED")).length, 6);
  assert.equal(hub.size, 1);
  // Resuming from where it stopped works: the log holds more than a watch may be behind, and what a
  // resumed watch missed is not held against it, only what comes after.
  const again = open(hub, ALL, hub.token(1));
  registry.heartbeat("a", "DEGRADED", {}, 10);
  assert.equal(drain(again.watch).length, 8);
  assert.deepEqual(again.seen.dropped, []);
});

Deno.test("WatchHub: the log is bounded by bytes too; a watch whose next change is gone is dropped", () => {
  const { registry, hub } = setUp({ logBytes: 2000, maxBehind: 1000 });
  registry.register(info("big", "PROCESSOR", { description: "x".repeat(600) }), "", 0);
  const stuck = open(hub);
  drain(stuck.watch);
  for (let i = 0; i < 4; i++) registry.heartbeat("big", i % 2 ? "HEALTHY" : "DEGRADED", {}, i + 1);
  assert.equal(stuck.seen.dropped.length, 1);
  assert.match(stuck.seen.dropped[0], /no longer holds the changes this watch has not been sent/);
  assert.equal(open(hub, ALL, hub.token(1)).watch.start, "TOKEN_TOO_OLD");
});

Deno.test("WatchHub: at most maxSubscribers watches; a closed one frees its place; filters are capped", () => {
  const { hub } = setUp({ maxSubscribers: 2 });
  const a = open(hub).watch;
  open(hub);
  assert.throws(
    () => open(hub),
    (e: ControlPlaneError) => e.code === "RESOURCE_EXHAUSTED" && /2 watches are open/.test(e.message),
  );
  a.close();
  open(hub);
  const { hub: other } = setUp();
  const huge = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "v".repeat(4000)]));
  assert.throws(
    () => open(other, { ...ALL, metadata: huge }),
    (e: ControlPlaneError) => e.code === "RESOURCE_EXHAUSTED" && /filters take/.test(e.message),
  );
  assert.throws(
    () => open(other, { ...ALL, eventTypes: Array(300).fill("t") }),
    (e: ControlPlaneError) => e.code === "RESOURCE_EXHAUSTED",
  );
});

Deno.test("WatchHub: closed, it stops following the registry", () => {
  const { registry, hub } = setUp();
  const { watch, seen } = open(hub);
  drain(watch);
  hub.close();
  registry.register(info("a"), "", 0);
  assert.equal(seen.ready, 0);
  assert.equal(hub.revision, 0);
});
