/**
 * `deno task bench`: prints speed and memory numbers (medians of several runs).
 * Nothing here asserts; numbers go into the README and issue notes by hand.
 */
import { compile, generate, validate } from "../translate/compile.ts";
import { type CueEngine, createCueEngine } from "../compiler/cue.ts";
import { LIMITS } from "../compiler/parse.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { loadCueWasm } from "../host/cue_wasm.ts";
import { GoRuntime } from "../cue/runtime.ts";
import { benchControlPlane } from "./bench_controlplane.ts";
import { benchDeploy } from "./bench_deploy.ts";
import { benchHostile } from "./bench_hostile.ts";
import { generatedPipeline } from "./generated_pipeline.ts";
import { topologyOf } from "../generators/shared/topology.ts";
import { renderDot } from "../graph/dot.ts";
import { renderMermaid } from "../graph/mermaid.ts";
import { renderSvg } from "../graph/svg.ts";
import { benchService } from "./bench_service.ts";
import { benchStartup } from "./bench_startup.ts";
import { benchWatch } from "./bench_watch.ts";

const RUNS = 5;
const root = new URL("../", import.meta.url).pathname;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(1)} ms`;
const log = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));

async function timeCommand(
  args: string[],
  { program = Deno.execPath(), env = {}, exitCodes = [0] }: { program?: string; env?: Record<string, string>; exitCodes?: number[] } = {},
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const p = await new Deno.Command(program, { args, cwd: root, env, stdout: "null", stderr: "null" }).output();
    times.push(performance.now() - t0);
    if (!exitCodes.includes(p.code)) throw new Error(`${program} ${args.join(" ")} exited ${p.code}`);
  }
  return median(times);
}

/**
 * Checking grows linearly with the pipeline: 1,000 and 5,000 components, each
 * on a fresh CUE engine (its first evaluation, as in a new process) and warm.
 * 5,000 components are more values than a file may hold, so the limit is
 * raised for this measurement only.
 */
async function benchScale(wasm: Uint8Array, log: (line: string) => void): Promise<void> {
  const saved = LIMITS.maxValues;
  LIMITS.maxValues = 100_000;
  try {
    const rows: { n: number; first: number; warm: number }[] = [];
    for (const n of [1000, 5000]) {
      const text = generatedPipeline(n);
      const cue = await createCueEngine(wasm, GoRuntime);
      const t0 = performance.now();
      const first = validate(text, { filename: "bench.yaml", cue });
      const t1 = performance.now();
      if (first.pipelines.length !== 1) throw new Error(first.diagnostics.map((d) => d.message).join("\n"));
      const warm: number[] = [];
      for (let i = 0; i < 3; i++) {
        const s = performance.now();
        validate(text, { filename: "bench.yaml", cue });
        warm.push(performance.now() - s);
      }
      rows.push({ n, first: t1 - t0, warm: median(warm) });
      log(`validate, ${String(n).padStart(4)} components: first on a fresh engine ${ms(t1 - t0)}, warm ${ms(median(warm))}`);
    }
    const [a, b] = rows;
    log(`5,000 against 1,000 components: ${(b.first / a.first).toFixed(2)}× (first), ${(b.warm / a.warm).toFixed(2)}× (warm) for 5× the components`);
  } finally {
    LIMITS.maxValues = saved;
  }
}

/** An invalid file: how many CUE calls, and how long, for 1,000 components with nine errors. */
function benchInvalid(cue: CueEngine, log: (line: string) => void): void {
  let calls = 0;
  const counting: CueEngine = { ...cue, check: (...args) => (calls++, cue.check(...args)) };
  let left = 9; // the first nine processors get a replica count CUE refuses
  const text = generatedPipeline(1000).replace(/image: example\/p:1/g, (m) => left-- > 0 ? `${m}, replicas: -1` : m);
  const t0 = performance.now();
  const result = validate(text, { filename: "bench.yaml", cue: counting });
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  log(`invalid, 1,000 components with ${errors} errors: ${calls} CUE call(s), ${ms(performance.now() - t0)} (all errors reported in one run)`);
}

if (import.meta.main) {
  await Deno.mkdir(`${root}out`, { recursive: true });
  const typical = `${root}out/bench-typical.yaml`;
  await Deno.writeTextFile(typical, generatedPipeline(5));
  await Deno.writeTextFile(`${root}out/empty.ts`, "");
  // Warm the wasm cache once, so "cold" means a new process, not a first install.
  await loadCueWasm();

  log(`flowctl bench (${RUNS} runs each, medians; Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores)`);
  await benchStartup(root, log);
  // The Node build (npm bin, pre-commit hook) and the GitHub Action, as the runner starts it.
  log(`cold: node dist/cli.js validate --no-cache (5) ${ms(await timeCommand(["dist/cli.js", "validate", "--no-cache", typical], { program: "node" }))}`);
  const action = await timeCommand(["dist/action.js"], {
    program: "node",
    env: { INPUT_PIPELINES: "fixtures/*.yaml", INPUT_TARGETS: "all", INPUT_MODE: "validate", GITHUB_WORKSPACE: root },
    exitCodes: [0, 1], // some fixtures use what a target cannot express: the step fails, as it should
  });
  log(`cold: node dist/action.js, validate fixtures/*.yaml × all targets ${ms(action)}`);

  const wasm = await loadCueWasm();
  const starts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await createCueEngine(wasm, GoRuntime);
    starts.push(performance.now() - t0);
  }
  log(`CUE wasm start-up (compile + Go runtime, cached bytes) ${ms(median(starts))}`);

  const cue = await createCueEngine(wasm, GoRuntime);
  const registry = defaultRegistry();
  let peak = Deno.memoryUsage().rss;
  // 1,000 components is about the largest pipeline a file may hold (10,000 values).
  for (const n of [10, 100, 1000]) {
    const text = generatedPipeline(n);
    const first = compile(text, { filename: "bench.yaml", cue, registry, target: "docker-compose" });
    if (first.files.length !== 1) throw new Error(first.diagnostics.map((d) => d.message).join("\n"));
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      compile(text, { filename: "bench.yaml", cue, registry, target: "docker-compose" });
      times.push(performance.now() - t0);
      peak = Math.max(peak, Deno.memoryUsage().rss);
    }
    const t = median(times);
    log(`warm compile, ${String(n).padStart(4)} components: ${ms(t).padStart(10)}  (${(t / n * 1000).toFixed(0)} µs/component)`);
  }

  // Every target from one validation of 1,000 components: what generating costs per target.
  const text = generatedPipeline(1000);
  const checked = validate(text, { filename: "bench.yaml", cue });
  for (const target of registry.names()) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const out = generate(checked.pipelines, { target, registry });
      times.push(performance.now() - t0);
      if (out.files.length === 0) throw new Error(`${target}: ${out.diagnostics.map((d) => d.message).join("\n")}`);
      peak = Math.max(peak, Deno.memoryUsage().rss);
    }
    const whole: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      compile(text, { filename: "bench.yaml", cue, registry, target });
      whole.push(performance.now() - t0);
    }
    log(`1,000 components → ${target.padEnd(15)} generate ${ms(median(times)).padStart(9)}, whole compile ${ms(median(whole)).padStart(9)}`);
  }
  log(`peak RSS during warm compiles: ${(peak / 2 ** 20).toFixed(0)} MiB`);

  // Pictures: the graph of a validated pipeline in each format (the layout is the SVG's cost).
  for (const n of [50, 1000]) {
    const ir = validate(generatedPipeline(n), { filename: "bench.yaml", cue }).pipelines[0];
    const topology = topologyOf(ir);
    const time = (render: () => string) => {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        render();
        times.push(performance.now() - t0);
      }
      return median(times);
    };
    const svg = renderSvg(topology);
    log(
      `graph, ${String(n).padStart(4)} components: svg ${ms(time(() => renderSvg(topology)))} (${(svg.length / 1024).toFixed(0)} KiB), ` +
        `mermaid ${ms(time(() => renderMermaid(topology)))}, dot ${ms(time(() => renderDot(topology)))}`,
    );
  }

  // Overlays: a five-file stack (the base and four overlays, each changing every tenth processor) against the base alone.
  for (const n of [100, 1000]) {
    const base = generatedPipeline(n);
    const overlays = [1, 2, 3, 4].map((k) => ({
      name: `overlay-${k}.yaml`,
      text: ["spec:", "  processors:", ...Array.from({ length: Math.floor(n / 10) }, (_, i) => `    - {id: p-${i * 10 + 1}, replicas: ${k}, env: {LAYER: "${k}"}}`)]
        .join("\n") + "\n",
    }));
    const time = (layers: typeof overlays) => {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const r = validate(base, { filename: "bench.yaml", cue, overlays: layers });
        times.push(performance.now() - t0);
        if (r.pipelines.length !== 1) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
      }
      return median(times);
    };
    const single = time([]);
    const stacked = time(overlays);
    log(`validate, ${String(n).padStart(4)} components: one file ${ms(single)}, five-file overlay stack ${ms(stacked)} (${(stacked / single).toFixed(2)}×)`);
  }
  await benchScale(wasm, log);
  benchInvalid(cue, log);
  benchHostile(cue, log);
  await benchControlPlane(1000, 10, log);
  // The same load in each security mode, every component on its own connection (mutual TLS needs that).
  for (const security of ["plain", "tls", "mutual"] as const) await benchControlPlane(1000, 6, log, security, "each");
  await benchWatch(1000, 50, 300, log);
  await benchService(log);
  await benchDeploy(log);
}
