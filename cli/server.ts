/**
 * `flowctl server`: the control plane under the Go flowctl server's command
 * and flag names (`--db-path`, `--no-persistence`), so scripts and service
 * units written for it keep working. It is `flowctl controlplane` with
 * another spelling of its flags, not a second server.
 */
import { type ControlPlaneFlags, serveControlPlane } from "./controlplane.ts";
import { UsageError } from "./errors.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";

const SERVER_FLAGS: ControlPlaneFlags = {
  command: "server",
  values: {
    "--address": "address",
    "--port": "port",
    "--heartbeat-ttl": "ttl",
    "--janitor-interval": "sweep",
    "--db-path": "db",
    // The bundled control plane's own, which the Go server does not have.
    "--http-port": "httpPort",
    "--advertise": "advertise",
  },
  booleans: { "--no-persistence": "inMemory" },
  dbFlag: "--db-path",
  inMemoryFlag: "--no-persistence",
  help: HELP.server,
};

/** The Go server's TLS flags: refused with a reason rather than as unknown options. */
const TLS_FLAGS = ["--tls-cert", "--tls-key", "--tls-ca-cert"];

export function runServer(args: string[], io: Io): Promise<number> {
  const end = args.indexOf("--");
  for (const arg of end === -1 ? args : args.slice(0, end)) {
    const flag = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    if (TLS_FLAGS.includes(flag)) {
      throw new UsageError(
        `${flag} is not supported yet: flowctl server serves gRPC without TLS; ` +
          "leave the TLS flags out, and put a proxy that ends TLS in front of it where clients need TLS",
      );
    }
  }
  return serveControlPlane(args, io, {}, SERVER_FLAGS);
}
