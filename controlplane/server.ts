/**
 * Starts the control plane: the store (a file, or memory), both gRPC services
 * on one port, the HTTP port for operators, and the sweep that turns silent
 * components unhealthy. This is a shell: it owns sockets, timers, the clock
 * and the disk; the decisions are in registry.ts and runs.ts.
 */
import * as grpc from "@grpc/grpc-js";
import type { Topology } from "../graph/topology.ts";
import { identityOf } from "../tls/identity.ts";
import { authorize, callerLabel } from "./authorize.ts";
import { legacyHandlers, loadServices, type ServiceContext, unaryImplementation, v1Handlers } from "./grpc_service.ts";
import { CallCounter, httpHandler, type StoreCounts } from "./http_api.ts";
import { type HttpsServer, serveHttps } from "./https_server.ts";
import { openStore } from "./open_store.ts";
import { Registry } from "./registry.ts";
import { PipelineRuns } from "./runs.ts";
import { emptyBuckets, MemoryStore, type Skipped, type Store, type StoreReport } from "./store.ts";
import { checkStoredState } from "./stored_records.ts";
import { CertificateSource, readTls, type TlsPaths, watchTls } from "./tls_files.ts";
import type { WatchLimits } from "./watch_hub.ts";
import { addWatchService } from "./watch_service.ts";

export interface ControlPlaneOptions {
  /** Address to listen on (gRPC and HTTP). */
  address: string;
  /** gRPC port; 0 picks a free one. */
  port: number;
  /** HTTP port for /health, /metrics, /api/services, /api/runs; 0 picks a free one, undefined turns it off. */
  httpPort?: number;
  /** The store's database file; undefined keeps everything in memory. */
  db?: string;
  heartbeatTtlMs: number;
  /** How often silence is checked; default: `defaultSweepMs(heartbeatTtlMs)`. */
  sweepIntervalMs?: number;
  /** The address components are told in connection_info; default: address:port. */
  advertise?: string;
  /**
   * Serve gRPC and HTTP over TLS with this certificate and key; with a CA as
   * well, clients must present a certificate it signed (mutual TLS), and each
   * call is checked against the identity in it (authorize.ts).
   */
  tls?: TlsPaths;
  /** How often the TLS files are read again for a rotation; default DEFAULT_TLS_RELOAD_MS. */
  tlsReloadMs?: number;
  /** The pipeline's graph, handed over by the target (FLOWCTL_TOPOLOGY): the page draws it, /metrics judges its edges. */
  topology?: Topology;
  /** The module the store's writer worker runs; default: sqlite_writer.ts (a single-file bundle names itself). */
  storeWriter?: string;
  /** Caps of flowctl.watch.v1.ComponentWatch; WATCH_LIMITS unless given (tests use small ones). */
  watchLimits?: Partial<WatchLimits>;
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
  // Bad TLS files are found before anything else is opened.
  const tls = options.tls && readTls(options.tls);
  let store: Store = new MemoryStore();
  let data = emptyBuckets();
  let report: StoreReport = { skipped: [] };
  if (options.db) ({ store, data, report } = await openStore(options.db, options.storeWriter));
  const state = checkStoredState(data);
  const skipped = [...report.skipped, ...state.skipped];
  logStoreReport(options.log, options.db ?? "", report, skipped);
  const storeCounts: StoreCounts = {
    recoveries: report.recovered ? 1 : 0,
    rowsSkipped: skipped.length,
    rowsImported: report.imported?.rows ?? 0,
    commits: () => store.commits,
  };

  const certificates = tls && new CertificateSource(tls);
  const credentials = certificates
    ? grpc.experimental.createCertificateProviderServerCredentials(
      certificates,
      tls.ca === undefined ? null : certificates,
      tls.ca !== undefined,
    )
    : grpc.ServerCredentials.createInsecure();
  const server = new grpc.Server({
    // Bounds what one request may cost; bigger messages get RESOURCE_EXHAUSTED from grpc-js.
    "grpc.max_receive_message_length": 4 * 1024 * 1024,
  });
  let grpcPort: number;
  try {
    grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        `${options.address}:${options.port}`,
        credentials,
        (err, port) => (err ? reject(err) : resolve(port)),
      )
    );
  } catch (err) {
    await store.close();
    throw new Error(`cannot listen on ${options.address}:${options.port} for gRPC: ${(err as Error).message}`);
  }
  const host = options.address === "0.0.0.0" || options.address === "::" ? "localhost" : options.address;
  const registry = new Registry(
    { heartbeatTtlMs: options.heartbeatTtlMs, endpoint: options.advertise ?? `${host}:${grpcPort}`, store },
    state.services,
  );
  const runs = new PipelineRuns(store, state.runs);
  const calls = new CallCounter();
  const denied = new CallCounter();
  const ctx: ServiceContext = { registry, runs, store, clock, onCall: (m, c) => calls.add(m, c), log: options.log };
  if (tls?.ca !== undefined) {
    ctx.authorize = (method, request, call) => {
      const caller = identityOf(call.getAuthContext().sslPeerCertificate?.subjectaltname);
      try {
        authorize(method, request, caller, registry);
      } catch (err) {
        denied.add(method, callerLabel(caller));
        throw err;
      }
    };
  }
  const services = loadServices();
  server.addService(services.v1, unaryImplementation(ctx, "flowctl.v1.ControlPlaneService", services.v1, v1Handlers(ctx)));
  server.addService(services.legacy, unaryImplementation(ctx, "flowctl.ControlPlane", services.legacy, legacyHandlers(ctx)));
  const watch = addWatchService(server, ctx, services.watch, options.watchLimits);

  let http: Deno.HttpServer<Deno.NetAddr> | undefined;
  let https: HttpsServer | undefined;
  let httpPort: number | undefined;
  if (options.httpPort !== undefined) {
    const handler = httpHandler({
      registry,
      runs,
      calls,
      store: storeCounts,
      clock,
      startedAt: clock(),
      denied,
      topology: options.topology,
    });
    try {
      if (tls) {
        https = await serveHttps(options.address, options.httpPort, tls, handler, (path, caller) =>
          denied.add(`HTTP ${path}`, callerLabel(caller)));
        httpPort = https.port;
      } else {
        // Deno.serve binds before it returns: a taken port throws here.
        http = Deno.serve({
          hostname: options.address,
          port: options.httpPort,
          onListen: () => {},
          onError: () => new Response("internal error\n", { status: 500 }),
        }, handler);
        httpPort = http.addr.port;
      }
    } catch (err) {
      server.forceShutdown();
      await store.close();
      throw new Error(`cannot listen on ${options.address}:${options.httpPort} for HTTP: ${(err as Error).message}`);
    }
  }
  const stopWatching = tls && options.tls
    ? watchTls(options.tls, tls, (next) => {
      certificates!.update(next);
      https?.update(next);
    }, options.log, options.tlsReloadMs)
    : undefined;

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
      watch.close(); // open watches would keep tryShutdown waiting
      stopWatching?.();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await http?.shutdown();
      await https?.close();
      await store.close();
    },
  };
}

/** How many skipped lines or rows are logged one by one; the rest are counted. */
const SKIPPED_LOGGED = 20;

/** Says what opening the store found: a damaged file loudly, every skipped row (up to a point) by name. */
function logStoreReport(log: (line: string) => void, db: string, report: StoreReport, skipped: Skipped[]): void {
  if (report.imported) {
    log(
      `store: converted ${db} from the older JSON-lines format: ${report.imported.rows} records; ` +
        `the old file is kept as ${report.imported.keptAs}`,
    );
  }
  if (report.recovered) {
    log(
      `store: WARNING: ${db} was DAMAGED (${report.recovered.problem}); ${report.recovered.rows} records could be read and ` +
        `are kept in a new database; the damaged file is kept as ${report.recovered.keptAs}. Records that were on damaged ` +
        "pages are not in the new database: their components are unknown until they register again",
    );
  }
  for (const s of skipped.slice(0, SKIPPED_LOGGED)) log(`store: skipped ${s.where}: ${s.reason}`);
  if (skipped.length > SKIPPED_LOGGED) log(`store: skipped ${skipped.length - SKIPPED_LOGGED} more lines or rows`);
}
