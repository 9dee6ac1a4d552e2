/**
 * Real-time discovery under load: a control plane in its own process with its
 * store and 1,000 registered components, and 50 watchers in this process, each
 * on a connection of its own with no filters. First, health changes one at a
 * time (a component reports UNHEALTHY, then HEALTHY): the time from sending the
 * heartbeat to each watcher receiving its event, as percentiles over every
 * (change, watcher) pair. Then bursts: every component changes at once, and
 * the events delivered to all watchers per second. Fails if a watcher missed
 * an event or was dropped.
 */
import { spawnControlPlane } from "../tests/support/helpers.ts";
import { client } from "../tests/support/controlplane_client.ts";
import { watch, type Watcher, type WatchEventMessage } from "../tests/support/watch_client.ts";
import { cpuSeconds } from "./bench_controlplane.ts";

export async function benchWatch(
  components = 1000,
  watchers = 50,
  changes = 300,
  log: (line: string) => void = (line) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n")),
) {
  const dir = await Deno.makeTempDir({ prefix: "flowctl-bench-watch-" });
  const { child: server, grpcPort } = await spawnControlPlane([
    "--http-port",
    "off",
    "--db",
    `${dir}/registry.db`,
    "--heartbeat-ttl",
    "1h",
  ]);
  const v1 = client("v1", grpcPort);
  const ids = Array.from({ length: components }, (_, i) => `c${i}`);
  for (let i = 0; i < components; i += 100) {
    await Promise.all(
      ids.slice(i, i + 100).map((id) =>
        v1.call("RegisterComponent", { component: { id, type: "COMPONENT_TYPE_PROCESSOR" } })
      ),
    );
  }
  const rssBefore = rss(server.pid);

  let t0 = performance.now();
  const all: Watcher[] = Array.from({ length: watchers }, () => watch(grpcPort));
  await Promise.all(all.map((w) => w.until((es) => es.some((e) => e.kind === "KIND_SYNCED"), 60_000)));
  const snapshotMs = performance.now() - t0;
  const rssOpen = rss(server.pid);
  for (const w of all) w.events.length = 0; // only counts from here on

  // One change at a time: each watcher notes when the awaited event arrives.
  const latencies: number[] = [];
  let awaited: { id: string; status: string; sent: number; left: number; done: () => void } | undefined;
  for (const w of all) {
    w.onEvent = (e: WatchEventMessage) => {
      if (
        awaited && e.kind === "KIND_HEALTH_CHANGED" && e.service_id === awaited.id &&
        e.state.status === awaited.status
      ) {
        latencies.push(performance.now() - awaited.sent);
        if (--awaited.left === 0) awaited.done();
      }
    };
  }
  for (let i = 0; i < changes; i++) {
    const id = ids[Math.floor(i / 2) % components];
    const status = i % 2 ? "HEALTH_STATUS_HEALTHY" : "HEALTH_STATUS_UNHEALTHY";
    const seen = new Promise<void>((
      done,
    ) => (awaited = { id, status, sent: performance.now(), left: watchers, done }));
    await Promise.all([
      v1.call("Heartbeat", { service_id: id, status }),
      timeout(seen, 10_000, `change ${i}`),
    ]);
  }
  awaited = undefined;

  // Bursts: every component turns UNHEALTHY at once, then HEALTHY at once.
  for (const w of all) {
    w.onEvent = undefined;
    w.events.length = 0;
  }
  const bursts = 2;
  const cpu = cpuSeconds(server.pid);
  const ownCpu = cpuSeconds(Deno.pid);
  t0 = performance.now();
  for (let b = 0; b < bursts; b++) {
    const status = b % 2 ? "HEALTH_STATUS_HEALTHY" : "HEALTH_STATUS_UNHEALTHY";
    await Promise.all(ids.map((id) => v1.call("Heartbeat", { service_id: id, status })));
  }
  const expected = bursts * components;
  await Promise.all(all.map((w) => w.until((es) => es.length >= expected, 120_000)));
  const burstSeconds = (performance.now() - t0) / 1000;
  const burstCpu = cpuSeconds(server.pid) - cpu;
  const watcherCpu = cpuSeconds(Deno.pid) - ownCpu;
  const rssWatching = rss(server.pid);
  const dropped = all.filter((w) => w.ended !== undefined).length;
  const wrong =
    all.filter((w) => w.events.length !== expected || w.events.some((e) => e.kind !== "KIND_HEALTH_CHANGED"))
      .length;

  for (const w of all) w.close();
  v1.close();
  server.kill("SIGTERM");
  await server.status;
  await Deno.remove(dir, { recursive: true });

  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(2);
  const delivered = expected * watchers;
  log(
    `watch: ${components} components, ${watchers} watchers on their own connections: snapshots of ${components} each in ${
      snapshotMs.toFixed(0)
    } ms`,
  );
  log(
    `watch: ${changes} health changes one at a time, heartbeat sent → event at each watcher: ` +
      `p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms (${sorted.length} deliveries)`,
  );
  log(
    `watch: ${bursts} bursts of ${components} changes: ${delivered} events delivered in ${
      burstSeconds.toFixed(2)
    } s = ` +
      `${(delivered / burstSeconds).toFixed(0)} events/s; CPU an event: server ${
        (burstCpu / delivered * 1e6).toFixed(1)
      } µs, ` +
      `watchers ${(watcherCpu / delivered * 1e6).toFixed(1)} µs; ` +
      `${dropped} dropped, ${wrong} with a wrong count`,
  );
  log(
    `watch: server RSS ${mib(rssBefore)} MiB before the watchers, ${
      mib(rssOpen)
    } MiB once their snapshots were sent, ` +
      `${mib(rssWatching)} MiB after the bursts`,
  );
  if (sorted.length !== changes * watchers || dropped || wrong) {
    throw new Error("a watcher missed events or was dropped");
  }
}

/** Resident memory of a process in bytes, from /proc (Linux; NaN elsewhere). */
function rss(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1]) * 1024;
  } catch {
    return NaN;
  }
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

async function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => timer = setTimeout(() => reject(new Error(`${what}: timed out`)), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

if (import.meta.main) await benchWatch();
