/**
 * Runs the flowctl command line on Deno (cli.ts from a checkout, or the
 * bundled dist/flowctl.js). Only small modules are imported up front, so
 * that a command that checks pipelines starts compiling CUE's module (on
 * V8's background threads) while the rest of the program loads.
 */
import { preloadCue } from "./cue_wasm.ts";
import { recordRun } from "./run_cache.ts";

/** The commands that check a pipeline with CUE. */
const CHECKS_PIPELINES = ["validate", "translate", "graph", "run", "apply", "delete", "tls"];

/** Where to keep this run for replaying (host/run_cache.ts); dist/flowctl.js decides. */
export interface RecordAt {
  dir: string;
  key: string;
}

export async function runDenoCli(args: string[], { record }: { record?: RecordAt } = {}): Promise<number> {
  const early = CHECKS_PIPELINES.includes(args[0]) && !args.includes("--help") && !args.includes("-h")
    ? preloadCue()
    : undefined;
  const { main } = await import("../cli/main.ts");
  const { denoIo } = await import("./deno_io.ts");
  const io = denoIo((options) => (early ?? preloadCue()).engine(options));
  if (!record) return await main(args, io);
  const recorder = recordRun(io);
  const code = await main(args, recorder.io);
  await recorder.store(record.dir, record.key, code);
  return code;
}
