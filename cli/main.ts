/**
 * The flowctl command line as a function of its arguments and an `Io`, so
 * tests run it in-process and it runs on Deno (cli.ts) and on Node
 * (host/node_cli.ts). Exit codes are in errors.ts.
 */
import { EXIT, InputError, UsageError } from "./errors.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { VERSION } from "../version.ts";

export async function main(args: string[], io: Io): Promise<number> {
  try {
    const [command, ...rest] = args;
    // Each command loads only its own modules: validate need not load the control plane's gRPC stack.
    switch (command) {
      case "validate":
        return await (await import("./validate.ts")).runValidate(rest, io);
      case "translate":
        return await (await import("./translate.ts")).runTranslate(rest, io);
      case "graph":
        return await (await import("./graph.ts")).runGraph(rest, io);
      case "run":
        return await (await import("./run.ts")).runPipeline(rest, io);
      case "merge":
        return await (await import("./merge.ts")).runMerge(rest, io);
      case "apply":
        return await (await import("./apply.ts")).runApply(rest, io);
      case "delete":
        return await (await import("./delete.ts")).runDelete(rest, io);
      case "status":
        return await (await import("./status.ts")).runStatus(rest, io);
      case "controlplane":
      case "control-plane":
        return await (await import("./controlplane.ts")).runControlPlaneCommand(rest, io);
      case "server":
        return await (await import("./server.ts")).runServer(rest, io);
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
