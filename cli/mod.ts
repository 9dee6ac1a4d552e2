/**
 * The flowctl command line as a library: `main(args, io)` runs a command
 * against any `Io` (cli.ts is the Deno program that runs it).
 *
 * @module
 */
export { main } from "./main.ts";
export type { Io } from "./io.ts";
export { parseFlags } from "./flags.ts";
