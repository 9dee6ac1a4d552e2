/** What the control-plane tests share: a gRPC client of either service, a control plane on a temp store, status-code matchers. */
import * as grpc from "@grpc/grpc-js";
import type { ClientConnection } from "../../controlplane/client_credentials.ts";
import { protoPackage } from "../../controlplane/grpc_service.ts";
import { type ControlPlane, startControlPlane } from "../../controlplane/server.ts";
import type { TlsPaths } from "../../controlplane/tls_files.ts";
import type { WatchLimits } from "../../controlplane/watch_hub.ts";
import type { Topology } from "../../graph/topology.ts";

const pkg = protoPackage();

// deno-lint-ignore no-explicit-any
export type Reply = any;

export interface Client {
  call(method: string, request: unknown): Promise<Reply>;
  close(): void;
}

/** A client of either service; plain unless a (TLS) connection is given (controlplane/client_credentials.ts). */
export function client(service: "v1" | "legacy", port: number, host = "127.0.0.1", connection?: ClientConnection): Client {
  const Ctor = service === "v1" ? pkg.flowctl.v1.ControlPlaneService : pkg.flowctl.ControlPlane;
  const c = new Ctor(`${host}:${port}`, connection?.credentials ?? grpc.credentials.createInsecure(), connection?.options ?? {});
  return {
    call: (method, request) =>
      new Promise((resolve, reject) =>
        c[method](request, (err: Error | null, reply: Reply) => (err ? reject(err) : resolve(reply)))
      ),
    close: () => c.close(),
  };
}

/**
 * Runs `fn` against a control plane whose store is `<dir>/registry.db` (a new
 * temp dir unless given, removed afterwards); `logs` collects what it logged.
 */
export async function withControlPlane(
  fn: (cp: ControlPlane, dir: string, logs: string[]) => Promise<void>,
  options: {
    ttlMs?: number;
    sweepMs?: number;
    dir?: string;
    tls?: TlsPaths;
    tlsReloadMs?: number;
    inMemory?: boolean;
    topology?: Topology;
    watchLimits?: Partial<WatchLimits>;
  } = {},
) {
  const dir = options.dir ?? await Deno.makeTempDir();
  const logs: string[] = [];
  try {
    const cp = await startControlPlane({
      address: "127.0.0.1",
      port: 0,
      httpPort: 0,
      db: options.inMemory ? undefined : `${dir}/registry.db`,
      heartbeatTtlMs: options.ttlMs ?? 30_000,
      sweepIntervalMs: options.sweepMs ?? 10_000,
      tls: options.tls,
      tlsReloadMs: options.tlsReloadMs,
      topology: options.topology,
      watchLimits: options.watchLimits,
      log: (line) => logs.push(line),
    });
    try {
      await fn(cp, dir, logs);
    } finally {
      await cp.close();
    }
  } finally {
    if (!options.dir) await Deno.remove(dir, { recursive: true });
  }
}

/** A matcher for `assert.rejects`: the call failed with this gRPC status. */
export const code = (name: keyof typeof grpc.status) => (err: { code?: number }) =>
  err.code === grpc.status[name];
