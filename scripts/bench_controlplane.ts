/**
 * The control plane under load: N components register, then heartbeat on
 * loopback against a control plane in its own process with its persistent
 * store, in two phases: paced (each component once a second, spread over the
 * second: the latency a real pipeline sees) and flat out (every component
 * sends its next heartbeat as soon as the last is answered: how many the
 * server can take). Prints heartbeats per second and latency percentiles for
 * both, and checks that nothing was lost: every call answered OK, the server
 * counted the same number, and all N are listed healthy.
 *
 * `security` runs the same load over TLS or mutual TLS (each component then
 * has its own certificate and its own connection, as in a real pipeline); the
 * TLS comparison gives every component its own connection in all modes, so
 * that the modes differ only in security.
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { protoPackage } from "../controlplane/grpc_service.ts";
import { issue, newCa, type Pem } from "../tls/issue.ts";
import { spawnControlPlane } from "../tests/support/helpers.ts";

export type Security = "plain" | "tls" | "mutual";

// deno-lint-ignore no-explicit-any
type Reply = any;

interface Phase {
  latencies: number[];
  failed: number;
  seconds: number;
  /** CPU seconds the server process used in the phase (Linux; NaN elsewhere). */
  serverCpu: number;
  /** Store transactions committed in the phase (NaN if the server does not say). */
  commits: number;
}

/** User + system CPU seconds of a process so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).replace(/^.*\) /, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 a second)
  } catch {
    return NaN;
  }
}

export async function benchControlPlane(
  components = 1000,
  seconds = 10,
  log: (line: string) => void = (line) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n")),
  security: Security = "plain",
  /** One connection for all components, or one each (always one each under mutual TLS). */
  connections: "one" | "each" = "one",
) {
  const dir = await Deno.makeTempDir({ prefix: "flowctl-bench-cp-" });
  const pki = security === "plain" ? undefined : await certificates(dir, components, security === "mutual");
  const { child: server, grpcPort, httpPort } = await spawnControlPlane([
    "--http-port", "0", "--db", `${dir}/registry.db`, "--heartbeat-ttl", "5s", ...(pki?.flags ?? []),
  ]);

  const pkg = protoPackage();
  const connect = (who?: Pem) =>
    new pkg.flowctl.v1.ControlPlaneService(
      `localhost:${grpcPort}`,
      pki ? grpc.credentials.createSsl(Buffer.from(pki.ca), who ? Buffer.from(who.key) : null, who ? Buffer.from(who.cert) : null) : grpc.credentials.createInsecure(),
    );
  const operator = connect(pki?.operator);
  const clients = connections === "each" || security === "mutual"
    ? Array.from({ length: components }, (_, i) => connect(pki?.components[i]))
    : [operator];
  const callOn = (client: Reply) => (method: string, request: unknown) =>
    new Promise<Reply>((resolve, reject) => client[method](request, (e: Error | null, r: Reply) => (e ? reject(e) : resolve(r))));
  const of = (i: number) => callOn(clients[clients.length === 1 ? 0 : i]);
  const beat = (i: number, n: number) =>
    of(i)("Heartbeat", { service_id: `c${i}`, status: "HEALTH_STATUS_HEALTHY", metrics: { n: String(n) } });

  const t0 = performance.now();
  for (let i = 0; i < components; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, components - i) }, (_, j) =>
      of(i + j)("RegisterComponent", { component: { id: `c${i + j}`, type: "COMPONENT_TYPE_PROCESSOR" } })));
  }
  const registerMs = performance.now() - t0;

  // Paced: each component beats once a second, spread evenly over the second.
  const http = pki && Deno.createHttpClient({ caCerts: [pki.ca], cert: pki.operator.cert, key: pki.operator.key });
  const metricsText = async () =>
    await (await fetch(`${pki ? "https://localhost" : "http://127.0.0.1"}:${httpPort!}/metrics`, { client: http })).text();
  const commitsSoFar = async () => Number(/^flowctl_store_commits_total (\d+)$/m.exec(await metricsText())?.[1] ?? NaN);

  const paced: Phase = { latencies: [], failed: 0, seconds: 0, serverCpu: 0, commits: 0 };
  const timers: ReturnType<typeof setTimeout>[] = [];
  let commits = await commitsSoFar();
  let start = performance.now();
  let cpu = cpuSeconds(server.pid);
  for (let i = 0; i < components; i++) {
    const send = () => {
      const sent = performance.now();
      beat(i, paced.latencies.length).then(() => paced.latencies.push(performance.now() - sent), () => paced.failed++);
    };
    timers.push(setTimeout(() => {
      send();
      timers.push(setInterval(send, 1000));
    }, (i * 1000) / components));
  }
  await new Promise((r) => setTimeout(r, seconds * 1000));
  for (const t of timers) clearTimeout(t), clearInterval(t);
  await new Promise((r) => setTimeout(r, 500)); // let the last calls come back
  paced.seconds = (performance.now() - start - 500) / 1000;
  paced.serverCpu = cpuSeconds(server.pid) - cpu;
  paced.commits = await commitsSoFar() - commits;

  // Flat out: every component keeps one heartbeat in flight until the time is up.
  const saturated: Phase = { latencies: [], failed: 0, seconds: 0, serverCpu: 0, commits: 0 };
  const flatOutSeconds = Math.max(1, seconds / 2);
  commits = await commitsSoFar();
  start = performance.now();
  cpu = cpuSeconds(server.pid);
  const deadline = start + flatOutSeconds * 1000;
  await Promise.all(Array.from({ length: components }, async (_, i) => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        await beat(i, saturated.latencies.length);
        saturated.latencies.push(performance.now() - sent);
      } catch {
        saturated.failed++;
      }
    }
  }));
  saturated.seconds = (performance.now() - start) / 1000;
  saturated.serverCpu = cpuSeconds(server.pid) - cpu;
  saturated.commits = await commitsSoFar() - commits;

  const metrics = await metricsText();
  const serverOk = Number(/flowctl_grpc_calls_total\{method="flowctl.v1.ControlPlaneService\/Heartbeat",code="OK"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  const healthy = await countListed(callOn(operator));
  for (const c of new Set([operator, ...clients])) c.close();
  http?.close();
  server.kill("SIGTERM");
  await server.status;
  let storeBytes = 0;
  for await (const e of Deno.readDir(dir)) if (e.isFile) storeBytes += (await Deno.stat(`${dir}/${e.name}`)).size;
  await Deno.remove(dir, { recursive: true });

  const sent = paced.latencies.length + saturated.latencies.length;
  const what = `control plane${security === "plain" ? "" : security === "tls" ? " (TLS)" : " (mutual TLS)"}` +
    (clients.length > 1 ? `, ${components} connections` : "");
  log(`${what}: ${components} components registered in ${registerMs.toFixed(0)} ms`);
  log(`${what}: paced, ${describe(paced)}`);
  log(`${what}: flat out, ${describe(saturated)}`);
  log(
    `${what}: failed ${paced.failed + saturated.failed}, server counted ${serverOk} OK of ${sent} sent, ` +
      `${healthy}/${components} listed healthy, store files ${(storeBytes / 1024).toFixed(0)} KiB`,
  );
  if (paced.failed || saturated.failed || serverOk !== sent || healthy !== components) {
    throw new Error("the control plane lost heartbeats");
  }
}

function describe(phase: Phase): string {
  const sorted = [...phase.latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(2);
  return `${sorted.length} heartbeats in ${phase.seconds.toFixed(1)} s = ${(sorted.length / phase.seconds).toFixed(0)}/s; ` +
    `latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms; ` +
    `server CPU ${(phase.serverCpu / sorted.length * 1e6).toFixed(0)} µs a heartbeat` +
    (Number.isNaN(phase.commits) ? "" : `; ${phase.commits} commits`);
}

/** A CA, the server's certificate, the operator's and (mutual TLS) one per component, and the server's flags for them. */
async function certificates(dir: string, components: number, mutual: boolean) {
  const validity = { now: new Date(), days: 1 };
  const ca = await newCa("bench CA", validity);
  const server = await issue(ca, { commonName: "control plane", serverNames: ["localhost", "127.0.0.1"] }, validity);
  const operator = await issue(ca, { commonName: "operator", identity: { kind: "operator" } }, validity);
  const each: Pem[] = [];
  for (let i = 0; mutual && i < components; i++) {
    each.push(await issue(ca, { commonName: `c${i}`, identity: { kind: "component", id: `c${i}` } }, validity));
  }
  for (const [name, text] of [["ca.pem", ca.cert], ["cert.pem", server.cert], ["key.pem", server.key]]) {
    await Deno.writeTextFile(`${dir}/${name}`, text, { mode: 0o600 });
  }
  const flags = ["--tls-cert", `${dir}/cert.pem`, "--tls-key", `${dir}/key.pem`, ...(mutual ? ["--tls-ca-cert", `${dir}/ca.pem`] : [])];
  return { ca: ca.cert, operator, components: each, flags };
}

/** Healthy components, read page by page when the server pages the list. */
async function countListed(call: (method: string, request: unknown) => Promise<Reply>): Promise<number> {
  let count = 0;
  let token = "";
  do {
    const reply = await call("ListComponents", { page_token: token });
    count += reply.components.length;
    token = reply.next_page_token ?? "";
  } while (token);
  return count;
}

if (import.meta.main) await benchControlPlane();
