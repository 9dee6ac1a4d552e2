/**
 * The control-plane image's command line: its ENTRYPOINT runs this (bundled
 * as dist/control-plane.js) with the container's arguments. Compose files,
 * Kubernetes objects and Nomad jobs name these commands, so they are a
 * contract: keep the names and flags.
 */
import type { ControlPlaneOptions } from "../controlplane/server.ts";
import { serveControlPlane } from "./controlplane.ts";
import { EXIT, InputError, UsageError } from "./errors.ts";
import type { Io } from "./io.ts";
import { DEFAULT_HEALTH_URL, runHealthCommand, runWaitCommand } from "./probe.ts";
import { VERSION } from "../version.ts";

export const IMAGE_HELP = `flowctl control plane ${VERSION}

Usage:
  controlplane [OPTIONS]   serve the control plane (the default command), with the
                           options of flowctl controlplane (controlplane --help)
  health [URL]             one HTTP GET of URL (default: ${DEFAULT_HEALTH_URL});
                           exit 0 on a 2xx answer, else 1 (the image's HEALTHCHECK)
  wait URL... [--timeout SECONDS] [--every MILLISECONDS]
                           GET each URL until every one answers 2xx (exit 0), or
                           exit 1 when the time is up (default 120 s, every 200 ms)
`;

/** `program.storeWriter`: the bundle itself, which runs the store's writer in its worker (host/control_plane_image.ts). */
export async function controlPlaneImageMain(
  args: string[],
  io: Io,
  program: Pick<ControlPlaneOptions, "storeWriter"> = {},
): Promise<number> {
  try {
    const [command, ...rest] = args;
    switch (command) {
      case "controlplane":
        return await serveControlPlane(rest, io, program);
      case "health":
        return await runHealthCommand(rest, io);
      case "wait":
        return await runWaitCommand(rest, io);
      case "--version":
        io.stdout(`flowctl control plane ${VERSION}\n`);
        return EXIT.ok;
      case "--help":
      case "-h":
      case "help":
        io.stdout(IMAGE_HELP);
        return EXIT.ok;
      case undefined:
        io.stderr(IMAGE_HELP);
        return EXIT.usage;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}: controlplane, health or wait`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${err.message}\nRun with --help for usage.\n`);
      return EXIT.usage;
    }
    if (err instanceof InputError) {
      io.stderr(`${err.message}\n`);
      return EXIT.invalid;
    }
    io.stderr(`internal error: ${err instanceof Error ? err.message : String(err)}\nThis is a bug in flowctl; please report it.\n`);
    return EXIT.internal;
  }
}
