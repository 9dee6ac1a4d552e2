/**
 * The web service under a fixed load, the server in its own process, started
 * as `deno task serve` starts it:
 *  1. a burst: 200 requests at once, 196 small pipelines (validate and
 *     translate, the targets in turn) and 4 of the largest a file may be (1,000
 *     components, just under 10,000 values, and a description that brings the
 *     body near the 1 MiB limit), which CUE takes seconds over;
 *  2. after 30 s of quiet, one large request and, while it is in, 50 small
 *     ones, one every 100 ms: what one slow request does to everyone else.
 * Prints latency percentiles, what the requests were answered, and the
 * server's resident memory (idle, peak, after the load). Nothing here asserts.
 */
import { spawnService } from "../tests/support/service_process.ts";
import { generatedPipeline } from "./generated_pipeline.ts";

const REQUESTS = 200;
const LARGE_EVERY = 50; // requests 0, 50, 100, 150 are the large ones
const LARGE_COMPONENTS = 1000; // just under the 10,000 values a file may hold
/** The largest pipeline the compiler takes: most values, and text up to the body limit. */
const largest = () =>
  generatedPipeline(LARGE_COMPONENTS).replace("\nspec:\n", `\nspec:\n  description: "${"x".repeat(880_000)}"\n`);
const TARGETS = ["docker-compose", "kubernetes", "local", "nomad"];
const BESIDE_SLOW = 50;
const BESIDE_SLOW_EVERY_MS = 100;
const QUIET_MS = 30_000;

interface Sent {
  large: boolean;
  status: number;
  code?: string;
  ms: number;
}

/** Request i of the fixed load: the same bodies in the same order on every run. */
function loadRequest(i: number): { path: string; body: string; large: boolean } {
  if (i % LARGE_EVERY === 0) {
    return { path: "/v1/translate", body: JSON.stringify({ source: largest(), target: "docker-compose" }), large: true };
  }
  const source = generatedPipeline(5 + (i % 16));
  return i % 2
    ? { path: "/v1/validate", body: JSON.stringify({ source }), large: false }
    : { path: "/v1/translate", body: JSON.stringify({ source, target: TARGETS[(i / 2) % TARGETS.length] }), large: false };
}

/** A field of /proc/<pid>/status in MiB (Linux), e.g. VmRSS (resident now) or VmHWM (peak resident). */
async function memory(pid: number, field: "VmRSS" | "VmHWM"): Promise<string> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
  const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
  return kib === undefined ? "n/a" : `${(Number(kib) / 1024).toFixed(0)} MiB`;
}

async function send(base: string, request: { path: string; body: string; large: boolean }): Promise<Sent> {
  const t0 = performance.now();
  try {
    const response = await fetch(base + request.path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: request.body,
      signal: AbortSignal.timeout(300_000),
    });
    const text = await response.text();
    const code = response.ok ? undefined : JSON.parse(text).error?.code;
    return { large: request.large, status: response.status, code, ms: performance.now() - t0 };
  } catch {
    return { large: request.large, status: 0, code: "no_answer", ms: performance.now() - t0 };
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const ms = (x: number) => x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`;

/** Status counts such as "200×150, 503 busy×20". */
function outcomes(sent: Sent[]): string {
  const counts = new Map<string, number>();
  for (const s of sent) {
    const key = s.code && s.status !== 422 ? `${s.status} ${s.code}` : String(s.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort().map(([k, n]) => `${k}×${n}`).join(", ");
}

/** Latency percentiles of the small requests that were compiled (answered 200 or 422). */
function compiledLatencies(sent: Sent[]): string {
  const answered = sent.filter((s) => !s.large && (s.status === 200 || s.status === 422)).map((s) => s.ms).sort((a, b) => a - b);
  if (!answered.length) return "none compiled";
  return `p50 ${ms(percentile(answered, 0.5))}, p99 ${ms(percentile(answered, 0.99))}, max ${ms(answered.at(-1)!)}`;
}

export async function benchService(log: (line: string) => void = (line) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"))) {
  const requests = Array.from({ length: REQUESTS }, (_, i) => loadRequest(i));
  const service = await spawnService();
  const { child, base } = service;
  const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));
  try {
    // One request first, so the load meets a started server, as it would in production.
    await send(base, requests[1]);
    const idle = await memory(child.pid, "VmRSS");
    // Other processes on the machine change every number here.
    log(`service: ${navigator.hardwareConcurrency} cores, load average ${Deno.loadavg()[0].toFixed(1)} before the load`);

    const t0 = performance.now();
    const burst = await Promise.all(requests.map((r) => send(base, r)));
    const wall = performance.now() - t0;
    const peak = await memory(child.pid, "VmHWM");
    const small = burst.filter((s) => !s.large);
    const large = burst.filter((s) => s.large);
    const all = burst.map((s) => s.ms).sort((a, b) => a - b);
    log(`service burst: ${REQUESTS} requests at once, ${small.length} small (5-20 components) and ${large.length} of ~1 MiB (${LARGE_COMPONENTS} components and a long description); all answered in ${ms(wall)}`);
    log(`service burst: small: ${outcomes(small)}; compiled ones ${compiledLatencies(burst)}`);
    log(`service burst: every request: p50 ${ms(percentile(all, 0.5))}, p99 ${ms(percentile(all, 0.99))}`);
    log(`service burst: large: ${outcomes(large)}; answered after ${large.map((s) => ms(s.ms)).join(", ")}`);
    await quiet();
    log(`service burst: server RSS idle ${idle}, peak ${peak}, ${QUIET_MS / 1000} s after the burst ${await memory(child.pid, "VmRSS")}`);

    // One large request, and small ones at a steady pace while it is in.
    const slow = send(base, requests[0]);
    const beside: Promise<Sent>[] = [];
    for (let i = 0; i < BESIDE_SLOW; i++) {
      await new Promise((r) => setTimeout(r, BESIDE_SLOW_EVERY_MS));
      beside.push(send(base, requests[1 + (i % (LARGE_EVERY - 1))]));
    }
    const steady = await Promise.all(beside);
    const slowOne = await slow;
    log(`service beside one slow request: ${BESIDE_SLOW} small requests, one every ${BESIDE_SLOW_EVERY_MS} ms: ${outcomes(steady)}; ${compiledLatencies(steady)}`);
    log(`service beside one slow request: the slow one: ${outcomes([slowOne])} after ${ms(slowOne.ms)}; server peak RSS so far ${await memory(child.pid, "VmHWM")}`);
  } finally {
    await service.stop();
  }
}

if (import.meta.main) await benchService();
