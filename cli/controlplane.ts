/**
 * `flowctl controlplane`: serves the control plane that components register
 * with, until Ctrl-C or SIGTERM. The control plane's modules (sockets, gRPC)
 * are loaded only when a command needs them. `flowctl server` is the same
 * command with the Go flowctl's flag names (server.ts). `flowctl controlplane
 * image …` builds its image (image.ts); `health` and `wait` are the image's
 * probes (probe.ts), here too.
 */
import type { ControlPlane, ControlPlaneOptions } from "../controlplane/server.ts";
import { EXIT, InputError, onDisk, UsageError } from "./errors.ts";
import { durationFlag, parseFlags, portFlag } from "./flags.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";

/** One spelling of the command's flags: each flag's setting, and the names its messages use. */
export interface ControlPlaneFlags {
  command: string;
  /** Flag → setting: address, port, httpPort, ttl, sweep, db, advertise. */
  values: Record<string, string>;
  /** Flag → setting: inMemory. */
  booleans: Record<string, string>;
  /** The flags of the store's path and of no store, as messages name them. */
  dbFlag: string;
  inMemoryFlag: string;
  help: string;
}

export const CONTROLPLANE_FLAGS: ControlPlaneFlags = {
  command: "controlplane",
  values: {
    "--address": "address",
    "--port": "port",
    "--http-port": "httpPort",
    "--heartbeat-ttl": "ttl",
    "--janitor-interval": "sweep",
    "--db": "db",
    "--advertise": "advertise",
  },
  booleans: { "--in-memory": "inMemory" },
  dbFlag: "--db",
  inMemoryFlag: "--in-memory",
  help: HELP.controlplane,
};

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
 * The server: `controlplane [FLAGS]` (or `server`, in its spelling), in the
 * CLI and in the control-plane image, whose single-file program also names
 * the store's writer (`storeWriter`).
 */
export async function serveControlPlane(
  args: string[],
  io: Io,
  program: Pick<ControlPlaneOptions, "storeWriter"> = {},
  spelling: ControlPlaneFlags = CONTROLPLANE_FLAGS,
): Promise<number> {
  const { command, dbFlag, inMemoryFlag } = spelling;
  const flags = parseFlags(args, spelling.values, spelling.booleans);
  if (flags.help) {
    io.stdout(spelling.help);
    return EXIT.ok;
  }
  if (flags.positional.length) throw new UsageError(`${command} takes no arguments, not ${JSON.stringify(flags.positional[0])}`);
  const v = flags.values;
  const port = portFlag("--port", v.port ?? "8080");
  const httpPort = v.httpPort === "off" ? undefined : portFlag("--http-port", v.httpPort ?? "8081");
  const heartbeatTtlMs = durationFlag("--heartbeat-ttl", v.ttl ?? "30s");
  const sweepIntervalMs = v.sweep === undefined ? undefined : durationFlag("--janitor-interval", v.sweep);
  const inMemory = v.inMemory === "true";
  if (inMemory && v.db !== undefined) throw new UsageError(`use ${dbFlag} PATH or ${inMemoryFlag}, not both`);
  const home = io.env("HOME");
  const db = inMemory ? undefined : v.db ?? (home ? `${home}/.flowctl/registry.db` : undefined);
  if (!inMemory && db === undefined) throw new UsageError(`HOME is not set: give ${dbFlag} PATH or ${inMemoryFlag}`);
  const options = {
    address: v.address ?? "0.0.0.0",
    port,
    httpPort,
    db,
    heartbeatTtlMs,
    sweepIntervalMs,
    advertise: v.advertise,
    storeWriter: program.storeWriter,
    log: (line: string) => io.stderr(`flowctl ${command}: ${line}\n`),
  };
  if (db) await onDisk(`create the folder of ${db}`, () => io.makeParentDir(db));
  const cp = await startControlPlane(options);
  io.stderr(
    `flowctl ${command}: gRPC on ${options.address}:${cp.grpcPort}` +
      (cp.httpPort === undefined ? "" : `, HTTP on ${options.address}:${cp.httpPort}`) +
      `, ${db ? `store ${db}` : "in memory"}\n`,
  );
  const signal = await io.untilStopped();
  io.stderr(`flowctl ${command}: ${signal}, stopping\n`);
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
