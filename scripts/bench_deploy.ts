/**
 * The deploy bench (part of `deno task bench`), under a private Docker engine
 * (tests/support/docker_engine.ts): the control-plane image's size and build
 * time, the control plane's start-up (container start → /health answers) and
 * idle memory, and `flowctl apply` of the end-to-end fan-in pipeline: until
 * apply returns, and until the first record reaches the sink. Skipped, saying
 * why, where no engine can start.
 */
import { baseImage } from "../cli/image.ts";
import { CONTROL_PLANE_DEFAULTS } from "../compiler/format.ts";
import { buildComponentImage, PIPELINE } from "../tests/support/compose_e2e.ts";
import { type Engine, engineUnavailable, importDenoBase, startEngine } from "../tests/support/docker_engine.ts";
import { exec } from "../tests/support/helpers.ts";

const RUNS = 3;
const IMAGE = CONTROL_PLANE_DEFAULTS.image;
const FLOWCTL = new URL("flowctl", import.meta.url).pathname;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function must(engine: Engine, args: string[]): Promise<string> {
  return (await engine.must(args)).stdout.trim();
}

/** Polls until check() holds; the milliseconds it took from `since`. */
async function timeUntil(since: number, check: () => Promise<boolean>, limitMs = 120_000): Promise<number> {
  while (!(await check())) {
    if (performance.now() - since > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - since;
}

export async function benchDeploy(log: (line: string) => void): Promise<void> {
  const unavailable = engineUnavailable();
  if (unavailable) {
    log(`deploy bench skipped: ${unavailable}`);
    return;
  }
  const engine = await startEngine();
  const dir = await Deno.makeTempDir({ prefix: "flowctl-bench-deploy-" });
  try {
    await importDenoBase(engine, baseImage());
    const builds: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await engine.docker(["image", "rm", "--force", IMAGE]);
      const t0 = performance.now();
      const built = await exec(FLOWCTL, ["controlplane", "image", "build"], { env: engine.env });
      if (built.code !== 0) throw new Error(built.stderr);
      builds.push(performance.now() - t0);
    }
    const size = Number(await must(engine, ["image", "inspect", "-f", "{{.Size}}", IMAGE]));
    const base = Number(await must(engine, ["image", "inspect", "-f", "{{.Size}}", baseImage()]));
    log(`control-plane image: ${(size / 1e6).toFixed(1)} MB (the Deno base ${(base / 1e6).toFixed(1)} MB + ${((size - base) / 1e6).toFixed(2)} MB)`);
    log(`control-plane image build (flowctl controlplane image build, no cache): ${seconds(median(builds))}`);

    await must(engine, ["network", "create", "bench"]);
    const starts: number[] = [];
    let rssKiB = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await must(engine, ["run", "-d", "--name", "cp", "--network", "bench", IMAGE]);
      const ip = await must(engine, ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "cp"]);
      starts.push(await timeUntil(t0, () => fetch(`http://${ip}:8081/health`).then((r) => (r.body?.cancel(), r.ok), () => false)));
      if (i === RUNS - 1) {
        await new Promise((r) => setTimeout(r, 5000));
        rssKiB = Number((await must(engine, ["top", "cp", "-o", "pid,rss"])).split("\n")[1].trim().split(/\s+/)[1]);
      }
      await must(engine, ["rm", "-f", "cp"]);
    }
    log(`control plane start-up (docker run → /health answers): ${seconds(median(starts))}`);
    log(`control plane idle RSS (no components, after 5 s): ${(rssKiB / 1024).toFixed(1)} MiB`);

    await buildComponentImage(engine, dir);
    await Deno.writeTextFile(`${dir}/pipeline.yaml`, PIPELINE);
    const applies: number[] = [];
    const firsts: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await exec("rm", ["-rf", `${dir}/out`]);
      for (const out of ["out/a", "out/sink"]) await Deno.mkdir(`${dir}/${out}`, { recursive: true });
      const t0 = performance.now();
      // The sink is watched while apply runs: data may flow before apply has seen every health check pass.
      const first = timeUntil(t0, () => Deno.stat(`${dir}/out/sink/collector.jsonl`).then((s) => s.size > 0, () => false));
      const applied = await exec(FLOWCTL, ["apply", "-f", "pipeline.yaml"], { cwd: dir, env: engine.env });
      if (applied.code !== 0) throw new Error(applied.stderr);
      applies.push(performance.now() - t0);
      firsts.push(await first);
      const deleted = await exec(FLOWCTL, ["delete", "-f", "pipeline.yaml", "--volumes"], { cwd: dir, env: engine.env });
      if (deleted.code !== 0) throw new Error(deleted.stderr);
    }
    log(`flowctl apply, fan-in of 4 components + control plane (images present): returns after ${seconds(median(applies))}, ` +
      `first record at the sink after ${seconds(median(firsts))}`);
  } finally {
    const left = await engine.stop();
    if (left.length) log(`the bench's engine left: ${left.join("; ")}`);
    await exec("rm", ["-rf", dir]);
  }
}

// deno-lint-ignore no-console
if (import.meta.main) await benchDeploy((line) => console.log(line));
