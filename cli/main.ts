/**
 * The flowctl command line as a function of its arguments and an `Io`, so
 * tests run it in-process and it runs on Deno (cli.ts) and on Node
 * (host/node_cli.ts). Exit codes are in errors.ts.
 */
import { runApply } from "./apply.ts";
import { runControlPlaneCommand } from "./controlplane.ts";
import { runDelete } from "./delete.ts";
import { runMerge } from "./merge.ts";
import { EXIT, InputError, UsageError } from "./errors.ts";
import { runGraph } from "./graph.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { runPipeline } from "./run.ts";
import { runServer } from "./server.ts";
import { runStatus } from "./status.ts";
import { runTranslate } from "./translate.ts";
import { runValidate } from "./validate.ts";
import { VERSION } from "../version.ts";

export async function main(args: string[], io: Io): Promise<number> {
  try {
    const [command, ...rest] = args;
    switch (command) {
      case "validate":
        return await runValidate(rest, io);
      case "translate":
        return await runTranslate(rest, io);
      case "graph":
        return await runGraph(rest, io);
      case "run":
        return await runPipeline(rest, io);
      case "merge":
        return await runMerge(rest, io);
      case "apply":
        return await runApply(rest, io);
      case "delete":
        return await runDelete(rest, io);
      case "status":
        return await runStatus(rest, io);
      case "controlplane":
      case "control-plane":
        return await runControlPlaneCommand(rest, io);
      case "server":
        return await runServer(rest, io);
      case "tls":
        return await (await import("./tls.ts")).runTls(rest, io);
      case "--version":
      case "version":
        io.stdout(`flowctl ${VERSION}\n`);
        return EXIT.ok;
      case "--help":
      case "-h":
      case "help":
        io.stdout(HELP.main);
        return EXIT.ok;
      case undefined:
        io.stderr(HELP.main);
        return EXIT.usage;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`flowctl: ${err.message}\nRun 'flowctl --help' for usage.\n`);
      return EXIT.usage;
    }
    if (err instanceof InputError) {
      io.stderr(`flowctl: ${err.message}\n`);
      return EXIT.invalid;
    }
    io.stderr(`flowctl: internal error: ${err instanceof Error ? err.message : String(err)}\n` +
      "This is a bug in flowctl; please report it with the pipeline file.\n");
    return EXIT.internal;
  }
}
