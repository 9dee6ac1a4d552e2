/**
 * `flowctl controlplane`: serves the control plane that components register
 * with, until Ctrl-C or SIGTERM. The control plane's modules (sockets, gRPC)
 * are loaded only when a command needs them. `flowctl server` is the same
 * command with the Go flowctl's flag names (server.ts). `flowctl controlplane
 * image …` builds its image (image.ts); `health` and `wait` are the image's
 * probes (probe.ts), here too.
 */
import type { ControlPlane, ControlPlaneOptions } from "../controlplane/server.ts";
import { type Topology, topologyProblem } from "../graph/topology.ts";
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

/** The Go server's TLS flags (both spellings have them), and how often the files are read again. */
export const TLS_FLAGS = {
  "--tls-cert": "tlsCert",
  "--tls-key": "tlsKey",
  "--tls-ca-cert": "tlsCa",
  "--tls-reload-interval": "tlsReload",
};

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
    ...TLS_FLAGS,
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
  const security = tlsOptions(v);
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
    ...security,
    topology: topologyFromEnv(io),
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
  const secured = !options.tls
    ? ""
    : options.tls.ca
    ? "; mutual TLS on both ports: clients present certificates the CA signed"
    : "; TLS on both ports";
  io.stderr(
    `flowctl ${command}: gRPC on ${options.address}:${cp.grpcPort}` +
      (cp.httpPort === undefined ? "" : `, HTTP on ${options.address}:${cp.httpPort}`) +
      `, ${db ? `store ${db}` : "in memory"}${secured}\n`,
  );
  const signal = await io.untilStopped();
  io.stderr(`flowctl ${command}: ${signal}, stopping\n`);
  await cp.close();
  return EXIT.ok;
}

/** The pipeline's graph, as every target hands it to its control plane (JSON in FLOWCTL_TOPOLOGY). */
function topologyFromEnv(io: Io): Topology | undefined {
  const text = io.env("FLOWCTL_TOPOLOGY");
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`FLOWCTL_TOPOLOGY is not JSON: ${(err as Error).message}`);
  }
  const problem = topologyProblem(value);
  if (problem) throw new InputError(`FLOWCTL_TOPOLOGY is not a pipeline's topology: ${problem}`);
  return value as Topology;
}

/**
 * The Go server's rule: a certificate and a key serve TLS, a CA as well asks
 * every client for a certificate it signed (mutual TLS).
 */
function tlsOptions(v: Record<string, string>): Pick<ControlPlaneOptions, "tls" | "tlsReloadMs"> {
  const { tlsCert: cert, tlsKey: key, tlsCa: ca } = v;
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--tls-cert and --tls-key go together: give both, or neither");
  if (cert === undefined) {
    if (ca !== undefined || v.tlsReload !== undefined) {
      throw new UsageError(`${ca !== undefined ? "--tls-ca-cert" : "--tls-reload-interval"} needs --tls-cert and --tls-key`);
    }
    return {};
  }
  const tlsReloadMs = v.tlsReload === undefined ? undefined : durationFlag("--tls-reload-interval", v.tlsReload);
  return { tls: { cert, key, ca }, tlsReloadMs };
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
