/** The `flowctl` command of the npm package (bundled to cli.js by scripts/bundle.ts). */
import process from "node:process";
import { main } from "../cli/main.ts";
import { nodeIo } from "./node_io.ts";

process.exitCode = await main(process.argv.slice(2), nodeIo());
