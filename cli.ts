/**
 * The flowctl command line on Deno: `deno run -A cli.ts translate -f pipeline.yaml`.
 * The commands live in cli/; `main(args, io)` runs them against any `Io`.
 *
 * @module
 */
export { main } from "./cli/main.ts";
export type { Io } from "./cli/io.ts";
export { parseFlags } from "./cli/flags.ts";

if (import.meta.main) {
  const { main } = await import("./cli/main.ts");
  const { denoIo } = await import("./host/deno_io.ts");
  Deno.exit(await main(Deno.args, denoIo(() => import("./host/cue_wasm.ts").then((m) => m.loadCue()))));
}
