/**
 * dist/flowctl.js: the flowctl command line for Deno, as a small loader
 * beside the program bundled into one file (dist/flowctl-main.js, from
 * host/deno_cli.ts; one file loads faster than a graph of modules and npm
 * packages). `flowctl validate` of files that have not changed replays its
 * stored run (host/run_cache.ts) without loading the program at all.
 */
import { cacheDirectory, cacheDisabledByEnv } from "./cache_dir.ts";
import type { RecordAt } from "./deno_cli.ts";
import { replayRun, runKey } from "./run_cache.ts";

/** The program's hash, written in by scripts/bundle.ts: a new build never replays an old one's runs. */
const PROGRAM_SHA256 = "@@FLOWCTL_PROGRAM_SHA256@@";

async function replayable(args: string[]): Promise<RecordAt | undefined> {
  // Any spelling of --no-cache (--no-cache=true, =false) is left to the program: it never replays.
  if (args[0] !== "validate" || args.some((a) => a.startsWith("--no-cache")) || args.includes("-") || cacheDisabledByEnv()) {
    return undefined;
  }
  const dir = cacheDirectory();
  if (!dir) return undefined;
  const terminals = { stdout: Deno.stdout.isTerminal(), stderr: Deno.stderr.isTerminal() };
  return { dir, key: await runKey({ codeId: PROGRAM_SHA256, args, cwd: Deno.cwd(), terminals }) };
}

const record = await replayable(Deno.args);
const say = (stream: typeof Deno.stdout) => (text: string) => {
  const bytes = new TextEncoder().encode(text);
  for (let n = 0; n < bytes.length;) n += stream.writeSync(bytes.subarray(n));
};
const replayed = record &&
  await replayRun(record.dir, record.key, { stdout: say(Deno.stdout), stderr: say(Deno.stderr), env: (name) => Deno.env.get(name) });
if (replayed !== undefined) Deno.exit(replayed);
// A path the bundler does not follow: the program stays its own file.
const program = new URL("./flowctl-main.js", import.meta.url).href;
const { runDenoCli } = await import(program) as typeof import("./deno_cli.ts");
Deno.exit(await runDenoCli(Deno.args, { record }));
