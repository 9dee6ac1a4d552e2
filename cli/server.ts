/**
 * `flowctl server`: the control plane under the Go flowctl server's command
 * and flag names (`--db-path`, `--no-persistence`), so scripts and service
 * units written for it keep working. It is `flowctl controlplane` with
 * another spelling of its flags, not a second server.
 */
import { type ControlPlaneFlags, serveControlPlane, TLS_FLAGS } from "./controlplane.ts";
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
    ...TLS_FLAGS,
  },
  booleans: { "--no-persistence": "inMemory" },
  dbFlag: "--db-path",
  inMemoryFlag: "--no-persistence",
  help: HELP.server,
};

export function runServer(args: string[], io: Io): Promise<number> {
  return serveControlPlane(args, io, {}, SERVER_FLAGS);
}
