/**
 * `flowctl controlplane`: serves the control plane that components register
 * with, until Ctrl-C or SIGTERM. The control plane's modules (sockets, gRPC)
 * are loaded only when a command needs them. `flowctl controlplane image …`
 * builds its image (image.ts); `health` and `wait` are the image's probes
 * (probe.ts), here too.
 */
import type { ControlPlane, ControlPlaneOptions } from "../controlplane/server.ts";
import { EXIT, InputError, onDisk, UsageError } from "./errors.ts";
import { durationFlag, parseFlags, portFlag } from "./flags.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";

export async function runControlPlaneCommand(args: string[], io: Io): Promise<number> {
  switch (args[0]) {
    case "image":
      return (await import("./image.ts")).runImageCommand(args.slice(1), io);
    case "health":
      return (await import("./probe.ts")).runHealthCommand(args.slice(1), io);
    case "wait":
      return (await import("./probe.ts")).runWaitCommand(args.slice(1), io);
  }
  return await serveControlPlane(args, io);
}

/**
 * The server: `controlplane [FLAGS]`, in the CLI and in the control-plane
 * image, whose single-file program also names the store's writer (`storeWriter`).
 */
export async function serveControlPlane(
  args: string[],
  io: Io,
  program: Pick<ControlPlaneOptions, "storeWriter"> = {},
): Promise<number> {
  const flags = parseFlags(args, {
    "--address": "address",
    "--port": "port",
    "--http-port": "httpPort",
    "--heartbeat-ttl": "ttl",
    "--janitor-interval": "sweep",
    "--db": "db",
    "--advertise": "advertise",
  }, { "--in-memory": "inMemory" });
  if (flags.help) {
    io.stdout(HELP.controlplane);
    return EXIT.ok;
  }
  if (flags.positional.length) throw new UsageError(`controlplane takes no arguments, not ${JSON.stringify(flags.positional[0])}`);
  const v = flags.values;
  const port = portFlag("--port", v.port ?? "8080");
  const httpPort = v.httpPort === "off" ? undefined : portFlag("--http-port", v.httpPort ?? "8081");
  const heartbeatTtlMs = durationFlag("--heartbeat-ttl", v.ttl ?? "30s");
  const inMemory = v.inMemory === "true";
  if (inMemory && v.db !== undefined) throw new UsageError("use --db PATH or --in-memory, not both");
  const home = io.env("HOME");
  const db = inMemory ? undefined : v.db ?? (home ? `${home}/.flowctl/registry.db` : undefined);
  if (!inMemory && db === undefined) throw new UsageError("HOME is not set: give --db PATH or --in-memory");
  const options = {
    address: v.address ?? "0.0.0.0",
    port,
    httpPort,
    db,
    heartbeatTtlMs,
    sweepIntervalMs: v.sweep === undefined ? undefined : durationFlag("--janitor-interval", v.sweep),
    advertise: v.advertise,
    storeWriter: program.storeWriter,
    log: (line: string) => io.stderr(`flowctl controlplane: ${line}\n`),
  };
  if (db) await onDisk(`create the folder of ${db}`, () => io.makeParentDir(db));
  const cp = await startControlPlane(options);
  io.stderr(
    `flowctl controlplane: gRPC on ${options.address}:${cp.grpcPort}` +
      (cp.httpPort === undefined ? "" : `, HTTP on ${options.address}:${cp.httpPort}`) +
      `, ${db ? `store ${db}` : "in memory"}\n`,
  );
  const signal = await io.untilStopped();
  io.stderr(`flowctl controlplane: ${signal}, stopping\n`);
  await cp.close();
  return EXIT.ok;
}

/** Starts the control plane (loaded on demand: other commands need no sockets); a failure to listen is an input error. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const server = await import("../controlplane/server.ts");
  try {
    return await server.startControlPlane(options);
  } catch (err) {
    throw new InputError(err instanceof Error ? err.message : String(err));
  }
}
