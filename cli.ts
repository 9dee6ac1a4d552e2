/**
 * The flowctl command line on Deno: `deno run -A cli.ts translate -f pipeline.yaml`.
 * The commands live in cli/, and `main(args, io)` runs them against any `Io`;
 * host/deno_cli.ts runs them here. dist/flowctl.js is the same program
 * bundled into one file. cli/main.ts loads each command's modules only when
 * it runs, so importing this file costs little.
 *
 * @module
 */
export { main, parseFlags } from "./cli/mod.ts";
export type { Io } from "./cli/mod.ts";

if (import.meta.main) {
  const { runDenoCli } = await import("./host/deno_cli.ts");
  Deno.exit(await runDenoCli(Deno.args));
}
