/**
 * Starts the control plane: the store (a file, or memory), both gRPC services
 * on one port, the HTTP port for operators, and the sweep that turns silent
 * components unhealthy. This is a shell: it owns sockets, timers, the clock
 * and the disk; the decisions are in registry.ts and runs.ts.
 */
import * as grpc from "@grpc/grpc-js";
import { FileStore } from "./file_store.ts";
import { legacyHandlers, loadServices, type ServiceContext, unaryImplementation, v1Handlers } from "./grpc_service.ts";
import { CallCounter, httpHandler } from "./http_api.ts";
import { Registry } from "./registry.ts";
import { PipelineRuns } from "./runs.ts";
import { emptyBuckets, MemoryStore, type Store } from "./store.ts";

export interface ControlPlaneOptions {
  /** Address to listen on (gRPC and HTTP). */
  address: string;
  /** gRPC port; 0 picks a free one. */
  port: number;
  /** HTTP port for /health, /metrics, /api/services; 0 picks a free one, undefined turns it off. */
  httpPort?: number;
  /** The store's file; undefined keeps everything in memory. */
  db?: string;
  heartbeatTtlMs: number;
  /** How often silence is checked; default: `defaultSweepMs(heartbeatTtlMs)`. */
  sweepIntervalMs?: number;
  /** The address components are told in connection_info; default: address:port. */
  advertise?: string;
  log(line: string): void;
}

export interface ControlPlane {
  grpcPort: number;
  httpPort?: number;
  registry: Registry;
  runs: PipelineRuns;
  /** Stops accepting calls, finishes what is in flight, syncs and closes the store. */
  close(): Promise<void>;
}

/**
 * Go's janitor runs every 10s; with a short TTL that would leave silent
 * components healthy for long, so a third of the TTL when that is shorter.
 */
export function defaultSweepMs(heartbeatTtlMs: number): number {
  return Math.min(10_000, Math.max(100, heartbeatTtlMs / 3));
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const clock = () => Date.now();
  let store: Store = new MemoryStore();
  let data = emptyBuckets();
  if (options.db) ({ store, data } = FileStore.open(options.db));

  const server = new grpc.Server({
    // Bounds what one request may cost; bigger messages get RESOURCE_EXHAUSTED from grpc-js.
    "grpc.max_receive_message_length": 4 * 1024 * 1024,
  });
  let grpcPort: number;
  try {
    grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        `${options.address}:${options.port}`,
        grpc.ServerCredentials.createInsecure(),
        (err, port) => (err ? reject(err) : resolve(port)),
      )
    );
  } catch (err) {
    store.close();
    throw new Error(`cannot listen on ${options.address}:${options.port} for gRPC: ${(err as Error).message}`);
  }
  const host = options.address === "0.0.0.0" || options.address === "::" ? "localhost" : options.address;
  const registry = new Registry(
    { heartbeatTtlMs: options.heartbeatTtlMs, endpoint: options.advertise ?? `${host}:${grpcPort}`, store },
    data.services,
  );
  const runs = new PipelineRuns(store, data.runs);
  const calls = new CallCounter();
  const ctx: ServiceContext = { registry, runs, store, clock, onCall: (m, c) => calls.add(m, c), log: options.log };
  const services = loadServices();
  server.addService(services.v1, unaryImplementation(ctx, "flowctl.v1.ControlPlaneService", v1Handlers(ctx)));
  server.addService(services.legacy, unaryImplementation(ctx, "flowctl.ControlPlane", legacyHandlers(ctx)));

  let http: Deno.HttpServer<Deno.NetAddr> | undefined;
  let httpPort: number | undefined;
  if (options.httpPort !== undefined) {
    const handler = httpHandler(registry, calls, clock, clock());
    try {
      // Deno.serve binds before it returns: a taken port throws here.
      http = Deno.serve({
        hostname: options.address,
        port: options.httpPort,
        onListen: () => {},
        onError: () => new Response("internal error\n", { status: 500 }),
      }, handler);
    } catch (err) {
      server.forceShutdown();
      store.close();
      throw new Error(`cannot listen on ${options.address}:${options.httpPort} for HTTP: ${(err as Error).message}`);
    }
    httpPort = http.addr.port;
  }

  const sweeper = setInterval(() => {
    const expired = registry.sweep(clock());
    if (expired.length) {
      options.log(`no heartbeat for ${options.heartbeatTtlMs / 1000}s, unhealthy: ${expired.join(", ")}`);
      store.flush().catch((err) => options.log(`store: ${err.message}`));
    }
  }, options.sweepIntervalMs ?? defaultSweepMs(options.heartbeatTtlMs));

  return {
    grpcPort,
    httpPort,
    registry,
    runs,
    async close() {
      clearInterval(sweeper);
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await http?.shutdown();
      await store.flush();
      store.close();
    },
  };
}
