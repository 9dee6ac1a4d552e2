/**
 * Start-up as users meet it: whole `deno run` processes, each paired with an
 * empty `deno run` run just before it, so a ratio holds while the machine's
 * speed drifts. Prints medians of the wall times and of the pairwise ratios,
 * and peak resident memory where GNU time is installed. Part of
 * `deno task bench`; nothing here asserts.
 */
import { generatedPipeline } from "./generated_pipeline.ts";

const PAIRS = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const GNU_TIME = "/usr/bin/time";

interface Timed {
  ms: number;
  /** Peak resident memory in KiB, when GNU time measured it. */
  peakKiB?: number;
}

async function timed(args: string[], cwd: string, env: Record<string, string>, withTime: boolean): Promise<Timed> {
  const program = withTime ? GNU_TIME : Deno.execPath();
  const argv = withTime ? ["-f", "%M", Deno.execPath(), ...args] : args;
  const t0 = performance.now();
  const out = await new Deno.Command(program, { args: argv, cwd, env, stdout: "null", stderr: "piped" }).output();
  const ms = performance.now() - t0;
  if (out.code > 1) throw new Error(`deno ${args.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  const last = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
  return { ms, peakKiB: withTime && /^\d+$/.test(last) ? Number(last) : undefined };
}

/** Runs `deno ARGS` and an empty `deno run` alternately; medians of both and of their ratios. */
async function paired(args: string[], cwd: string, env: Record<string, string> = {}, before = async () => {}) {
  const withTime = await Deno.stat(GNU_TIME).then(() => true, () => false);
  const runs: Timed[] = [];
  const empties: number[] = [];
  const ratios: number[] = [];
  await timed(args, cwd, env, false); // warm the file cache
  for (let i = 0; i < PAIRS; i++) {
    const empty = (await timed(["run", "out/empty.ts"], cwd, env, false)).ms;
    await before();
    const run = await timed(args, cwd, env, withTime);
    empties.push(empty);
    runs.push(run);
    ratios.push(run.ms / empty);
  }
  const peaks = runs.flatMap((r) => r.peakKiB === undefined ? [] : [r.peakKiB / 1024]);
  return { ms: median(runs.map((r) => r.ms)), empty: median(empties), ratio: median(ratios), peakMiB: peaks.length ? median(peaks) : undefined };
}

export async function benchStartup(root: string, log: (line: string) => void): Promise<void> {
  await Deno.mkdir(`${root}out/startup`, { recursive: true });
  await Deno.writeTextFile(`${root}out/empty.ts`, "");
  for (const n of [5, 1000]) await Deno.writeTextFile(`${root}out/startup/p${n}.yaml`, generatedPipeline(n));
  const cache = await Deno.makeTempDir();
  const env = { FLOWCTL_CACHE_DIR: cache, NO_COLOR: "1" };
  const perm = ["--allow-read", "--allow-write", "--allow-env"];
  const row = async (what: string, args: string[], before?: () => Promise<void>) => {
    const r = await paired(["run", ...perm, ...args], root, env, before);
    const memory = r.peakMiB === undefined ? "" : `, peak ${r.peakMiB.toFixed(0)} MiB`;
    log(`${what.padEnd(58)} ${r.ms.toFixed(0).padStart(6)} ms  ${r.ratio.toFixed(1).padStart(5)}× empty (${r.empty.toFixed(0)} ms)${memory}`);
    return r;
  };
  log(`start-up (${PAIRS} pairs each against an empty deno run; medians of times and of ratios)`);
  const out = (n: number) => ["-o", "docker-compose", "--output-dir", `out/startup/compose-${n}`];
  await row("validate, 5 components, cold (cli.ts --no-cache)", ["cli.ts", "validate", "--no-cache", "out/startup/p5.yaml"]);
  await row("validate, 5 components, cold (dist/flowctl.js --no-cache)", ["dist/flowctl.js", "validate", "--no-cache", "out/startup/p5.yaml"]);
  await row("translate, 5 components, cold (dist/flowctl.js --no-cache)", ["dist/flowctl.js", "translate", "--no-cache", "-f", "out/startup/p5.yaml", ...out(5)]);
  // The usual first run of a changed file: the caches are on, and miss.
  const forget = () => Deno.remove(`${cache}/cue`, { recursive: true }).catch(() => {});
  await row("translate, 5 components, a cache miss (dist/flowctl.js)", ["dist/flowctl.js", "translate", "-f", "out/startup/p5.yaml", ...out(5)], forget);
  await row("validate, 5 components, again (cli.ts: CUE's answers cached)", ["cli.ts", "validate", "out/startup/p5.yaml"]);
  await row("validate, 5 components, again (dist/flowctl.js: run replayed)", ["dist/flowctl.js", "validate", "out/startup/p5.yaml"]);
  // 1,000 components is about the most a file may hold (10,000 values); 5,000 is measured in-process (bench.ts).
  await row("translate, 1,000 components, cold (dist/flowctl.js --no-cache)", ["dist/flowctl.js", "translate", "--no-cache", "-f", "out/startup/p1000.yaml", ...out(1000)]);
  await Deno.remove(cache, { recursive: true });
}
