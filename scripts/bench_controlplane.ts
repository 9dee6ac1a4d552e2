/**
 * The control plane under load: N components register, then each heartbeats
 * once a second for a bounded time, on loopback, against a control plane in
 * its own process with its persistent store. Prints heartbeats per second and
 * latency percentiles, and checks that nothing was lost: every call answered
 * OK, the server counted the same number, and all N are listed healthy.
 */
import * as grpc from "@grpc/grpc-js";
import { protoPackage } from "../controlplane/grpc_service.ts";
import { spawnControlPlane } from "../tests/support/helpers.ts";

// deno-lint-ignore no-explicit-any
type Reply = any;

export async function benchControlPlane(components = 1000, seconds = 10, log: (line: string) => void = (line) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"))) {
  const dir = await Deno.makeTempDir({ prefix: "flowctl-bench-cp-" });
  const { child: server, grpcPort, httpPort } = await spawnControlPlane([
    "--http-port", "0", "--db", `${dir}/registry.db`, "--heartbeat-ttl", "5s",
  ]);

  const pkg = protoPackage();
  const client = new pkg.flowctl.v1.ControlPlaneService(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  const call = (method: string, request: unknown) =>
    new Promise<Reply>((resolve, reject) => client[method](request, (e: Error | null, r: Reply) => (e ? reject(e) : resolve(r))));

  const t0 = performance.now();
  for (let i = 0; i < components; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, components - i) }, (_, j) =>
      call("RegisterComponent", { component: { id: `c${i + j}`, type: "COMPONENT_TYPE_PROCESSOR" } })));
  }
  const registerMs = performance.now() - t0;

  // Each component beats once a second, spread evenly over the second.
  const latencies: number[] = [];
  let failed = 0;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const start = performance.now();
  for (let i = 0; i < components; i++) {
    const beat = () => {
      const sent = performance.now();
      call("Heartbeat", { service_id: `c${i}`, status: "HEALTH_STATUS_HEALTHY", metrics: { n: String(latencies.length) } })
        .then(() => latencies.push(performance.now() - sent), () => failed++);
    };
    timers.push(setTimeout(() => {
      beat();
      timers.push(setInterval(beat, 1000));
    }, (i * 1000) / components));
  }
  await new Promise((r) => setTimeout(r, seconds * 1000));
  for (const t of timers) clearTimeout(t), clearInterval(t);
  await new Promise((r) => setTimeout(r, 500)); // let the last calls come back
  const elapsed = (performance.now() - start - 500) / 1000;

  const metrics = await (await fetch(`http://127.0.0.1:${httpPort!}/metrics`)).text();
  const serverOk = Number(/flowctl_grpc_calls_total\{method="flowctl.v1.ControlPlaneService\/Heartbeat",code="OK"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  const healthy = (await call("ListComponents", {})).components.length;
  client.close();
  server.kill("SIGTERM");
  await server.status;
  const storeBytes = (await Deno.stat(`${dir}/registry.db`)).size;
  await Deno.remove(dir, { recursive: true });

  const sorted = latencies.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(2);
  log(`control plane: ${components} components registered in ${registerMs.toFixed(0)} ms`);
  log(
    `control plane: ${latencies.length} heartbeats in ${elapsed.toFixed(1)} s = ${(latencies.length / elapsed).toFixed(0)}/s; ` +
      `latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms`,
  );
  log(
    `control plane: failed ${failed}, server counted ${serverOk} OK of ${latencies.length} sent, ` +
      `${healthy}/${components} listed healthy, store file ${(storeBytes / 1024).toFixed(0)} KiB`,
  );
  if (failed || serverOk !== latencies.length || healthy !== components) throw new Error("the control plane lost heartbeats");
}

if (import.meta.main) await benchControlPlane();
