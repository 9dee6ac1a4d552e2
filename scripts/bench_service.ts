/**
 * The web service under a fixed load: the server in its own process, started
 * as `deno task serve` starts it, and 200 requests sent at once: 196 small
 * pipelines (validate and translate, the targets in turn) and 4 just under the
 * 1 MiB body limit, which CUE takes seconds over. Prints latency percentiles
 * of the small requests, what became of the large ones, and the server's
 * resident memory (idle, peak, after the load). Nothing here asserts timings.
 */
import { generatedPipeline } from "./generated_pipeline.ts";

const REQUESTS = 200;
const LARGE_EVERY = 50; // requests 0, 50, 100, 150 are the large ones
const LARGE_COMPONENTS = 9000; // ~1,000,000 bytes of JSON body
const TARGETS = ["docker-compose", "kubernetes", "local", "nomad"];
const root = new URL("../", import.meta.url);

interface Sent {
  large: boolean;
  status: number;
  code?: string;
  ms: number;
}

/** Request i of the fixed load: the same bodies in the same order on every run. */
function loadRequest(i: number): { path: string; body: string; large: boolean } {
  if (i % LARGE_EVERY === 0) {
    return { path: "/v1/translate", body: JSON.stringify({ source: generatedPipeline(LARGE_COMPONENTS), target: "docker-compose" }), large: true };
  }
  const source = generatedPipeline(5 + (i % 16));
  return i % 2
    ? { path: "/v1/validate", body: JSON.stringify({ source }), large: false }
    : { path: "/v1/translate", body: JSON.stringify({ source, target: TARGETS[(i / 2) % TARGETS.length] }), large: false };
}

/** The server process, started with the arguments of `deno task serve`, and the port it listens on. */
async function startServer(): Promise<{ child: Deno.ChildProcess; port: number }> {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).tasks;
  const [program, ...args] = (tasks.serve as string).split(/\s+/);
  if (program !== "deno") throw new Error(`deno task serve runs ${program}, not deno`);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: root.pathname,
    env: { PORT: "0", NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/listening on http:\/\/[^:]+:(\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the service exited: ${text}`);
    text += value;
  }
  (async () => {
    while (!(await reader.read()).done);
  })();
  return { child, port: Number(/listening on http:\/\/[^:]+:(\d+)/.exec(text)![1]) };
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

export async function benchService(log: (line: string) => void = (line) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"))) {
  const requests = Array.from({ length: REQUESTS }, (_, i) => loadRequest(i));
  const { child, port } = await startServer();
  const base = `http://127.0.0.1:${port}`;
  try {
    // One request first, so the load meets a started server, as it would in production.
    await send(base, requests[1]);
    const idle = await memory(child.pid, "VmRSS");

    const t0 = performance.now();
    const sent = await Promise.all(requests.map((r) => send(base, r)));
    const wall = performance.now() - t0;
    const peak = await memory(child.pid, "VmHWM");
    await new Promise((r) => setTimeout(r, 3000));
    const after = await memory(child.pid, "VmRSS");

    const small = sent.filter((s) => !s.large);
    const answered = small.filter((s) => s.status === 200 || s.status === 422).map((s) => s.ms).sort((a, b) => a - b);
    const all = sent.map((s) => s.ms).sort((a, b) => a - b);
    const large = sent.filter((s) => s.large);
    log(`service: ${REQUESTS} requests at once, ${small.length} small (5-20 components) and ${large.length} of ~1 MiB (${LARGE_COMPONENTS} components); all answered in ${ms(wall)}`);
    log(`service: small: ${outcomes(small)}`);
    if (answered.length) {
      log(`service: small, compiled (200/422): p50 ${ms(percentile(answered, 0.5))}, p99 ${ms(percentile(answered, 0.99))}, max ${ms(answered.at(-1)!)}`);
    }
    log(`service: every request: p50 ${ms(percentile(all, 0.5))}, p99 ${ms(percentile(all, 0.99))}`);
    log(`service: large: ${outcomes(large)}; answered after ${large.map((s) => ms(s.ms)).join(", ")}`);
    log(`service: server RSS idle ${idle}, peak ${peak}, 3 s after the load ${after}`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

if (import.meta.main) await benchService();
