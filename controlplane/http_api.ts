/**
 * What operators read over HTTP: `/health` (is the control plane up, and how
 * is the pipeline), Prometheus `/metrics`, `/api/services` (registered
 * components as JSON, a page at a time like ListComponents:
 * `?page_size=&page_token=`) and `/api/runs` (pipeline runs, newest first,
 * paged the same way). A plain `Request → Response` function over the
 * registry and the runs, so tests call it without a socket. An enum value the
 * schema does not name shows as `UNKNOWN(42)`; 64-bit counters are strings,
 * as in proto3's JSON mapping, since a JSON number is exact only to 2^53.
 */
import { componentMetricFamilies } from "./component_metrics.ts";
import { enumText, isEnumNumber } from "./open_enum.ts";
import { badPageToken, pageOf } from "./paging.ts";
import { pipelineFamilies } from "./pipeline_metrics.ts";
import { ControlPlaneError, type Registry } from "./registry.ts";
import { type PipelineRun, type PipelineRuns, RUN_STATUSES, type RunStatus } from "./runs.ts";
import type { Topology } from "../graph/topology.ts";
import { pageRoute } from "./page/page.ts";
import { runFields } from "./run_fields.ts";
import { pipelineView } from "./pipeline_view.ts";

/** The store as counted on /metrics: what opening it found, and its commits since. */
export interface StoreCounts {
  /** Damaged database files set aside (each with what could be read of it kept). */
  recoveries: number;
  /** Lines or rows not loaded: unreadable, or not the shape of a record. */
  rowsSkipped: number;
  /** Records converted from an older version's JSON-lines file. */
  rowsImported: number;
  commits(): number;
}

/** Calls answered, by gRPC method and status code. */
export class CallCounter {
  private counts = new Map<string, number>();
  add(method: string, code: string): void {
    const key = `${method}\u0000${code}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  entries(): [method: string, code: string, count: number][] {
    return [...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => [...k.split("\u0000"), n] as [string, string, number]);
  }
}

/** What the HTTP endpoints read: the registry, the counters, the clock, and the pipeline's graph when it was handed over. */
export interface HttpSources {
  registry: Registry;
  /** The pipeline runs for /api/runs (none when absent). */
  runs?: PipelineRuns;
  calls: CallCounter;
  store: StoreCounts;
  clock: () => number;
  startedAt: number;
  /** Calls refused under mutual TLS. */
  denied: CallCounter;
  /** The pipeline's components and edges (FLOWCTL_TOPOLOGY), when the target handed them over. */
  topology?: Topology;
}

export function httpHandler(sources: HttpSources) {
  const { registry } = sources;
  return (request: Request): Response => {
    const { pathname, searchParams } = new URL(request.url);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("only GET\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const page = pageRoute(pathname, searchParams, () => pipelineView(registry, sources.topology, sources.clock()));
    if (page) return page;
    switch (pathname) {
      case "/health":
        return Response.json({ status: "ok", pipeline: registry.pipelineHealth(), components: registry.all().length });
      case "/metrics":
        return new Response(prometheusText(sources), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        });
      case "/api/services": {
        const size = Number(searchParams.get("page_size") ?? "0");
        let page;
        try {
          page = pageOf(registry.all(), { size, token: searchParams.get("page_token") ?? "" }, (r) => r.serviceId, (r) => registry.bytes(r.serviceId));
        } catch (err) {
          if (err instanceof ControlPlaneError) return Response.json({ error: err.message }, { status: 400 });
          throw err;
        }
        return Response.json({
          pipeline_health: registry.pipelineHealth(),
          services: page.items.map((r) => ({
            service_id: r.serviceId,
            component_id: r.component.id,
            name: r.component.name,
            type: enumText(r.component.type),
            status: enumText(r.status),
            endpoint: r.component.endpoint,
            input_event_types: r.component.inputEventTypes,
            output_event_types: r.component.outputEventTypes,
            metadata: r.component.metadata,
            metrics: r.metrics,
            registered_at: new Date(r.registeredAt).toISOString(),
            last_heartbeat: new Date(r.lastHeartbeat).toISOString(),
          })),
          next_page_token: page.nextToken,
        });
      }
      case "/api/runs":
        try {
          return Response.json(runsPage(sources.runs, searchParams));
        } catch (err) {
          if (err instanceof ControlPlaneError) return Response.json({ error: err.message }, { status: 400 });
          throw err;
        }
      default:
        return new Response("not found; try /, /health, /metrics, /api/services or /api/runs\n", { status: 404 });
    }
  };
}

/** The Prometheus text exposition format (version 0.0.4). */
export function prometheusText({ registry, calls, store, clock, startedAt, denied, topology }: HttpSources): string {
  const now = clock();
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [labels: Record<string, string>, value: number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const text = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
      out.push(`${name}${text ? `{${text}}` : ""} ${value}`);
    }
  };
  const records = registry.all();
  const byStatus = new Map<string, number>();
  // Statuses the schema does not name count as UNKNOWN: one series, however many numbers components send.
  for (const r of records) {
    const status = typeof r.status === "number" ? "UNKNOWN" : r.status;
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }
  metric("flowctl_components", "gauge", "Registered components by health status.", [...byStatus].sort().map(([s, n]) => [{ status: s }, n]));
  metric(
    "flowctl_component_healthy",
    "gauge",
    "1 if the component is HEALTHY, else 0.",
    records.map((r) => [{ service_id: r.serviceId, type: enumText(r.component.type) }, r.status === "HEALTHY" ? 1 : 0]),
  );
  metric(
    "flowctl_component_heartbeat_age_seconds",
    "gauge",
    "Seconds since the component's last heartbeat.",
    records.map((r) => [{ service_id: r.serviceId }, Math.max(0, (now - r.lastHeartbeat) / 1000)]),
  );
  for (const f of componentMetricFamilies(records)) metric(f.name, f.type, f.help, f.samples);
  const health = registry.pipelineHealth();
  metric(
    "flowctl_pipeline_health",
    "gauge",
    "1 for the pipeline's current health (healthy, degraded or unhealthy).",
    (["healthy", "degraded", "unhealthy"] as const).map((h) => [{ health: h }, h === health ? 1 : 0]),
  );
  for (const f of pipelineFamilies(records, pipelineView(registry, topology, now), topology)) metric(f.name, f.type, f.help, f.samples);
  metric(
    "flowctl_grpc_calls_total",
    "counter",
    "gRPC calls answered, by method and status code.",
    calls.entries().map(([method, code, n]) => [{ method, code }, n]),
  );
  metric(
    "flowctl_permission_denied_total",
    "counter",
    "Calls refused under mutual TLS, by gRPC method (or HTTP path) and the identity in the caller's certificate.",
    denied.entries().map(([method, caller, n]) => [{ method, caller }, n]),
  );
  metric(
    "flowctl_store_recoveries_total",
    "counter",
    "Damaged store files set aside at start, with what could be read of them kept.",
    [[{}, store.recoveries]],
  );
  metric(
    "flowctl_store_rows_skipped_total",
    "counter",
    "Store lines or rows not loaded at start (unreadable, or not a record); each is in the log.",
    [[{}, store.rowsSkipped]],
  );
  metric(
    "flowctl_store_rows_imported_total",
    "counter",
    "Records converted at start from an older version's JSON-lines store.",
    [[{}, store.rowsImported]],
  );
  metric(
    "flowctl_store_commits_total",
    "counter",
    "Store transactions committed; each holds every change made since the one before (group commit).",
    [[{}, store.commits()]],
  );
  metric("flowctl_uptime_seconds", "gauge", "Seconds since the control plane started.", [[{}, (now - startedAt) / 1000]]);
  return out.join("\n") + "\n";
}

/**
 * `/api/runs?pipeline_name=&status=&page_size=&page_token=`: the runs
 * ListPipelineRuns would list (status by name, `RUNNING`, or number), newest
 * first, a page at a time.
 */
function runsPage(runs: PipelineRuns | undefined, search: URLSearchParams) {
  const name = search.get("pipeline_name") ?? "";
  const status = runStatusParam(search.get("status") ?? "");
  const matching = (runs?.newestFirst() ?? []).filter((r) =>
    (!name || r.pipelineName === name) && (status === "UNKNOWN" || r.status === status)
  );
  const page = pageOf(
    matching,
    { size: Number(search.get("page_size") ?? "0"), token: search.get("page_token") ?? "" },
    (r) => JSON.stringify([r.startTime, r.runId]),
    (r) => runs?.bytes(r.runId) ?? 0,
    newestFirst,
  );
  return { runs: page.items.map(runJson), next_page_token: page.nextToken };
}

function runStatusParam(text: string): RunStatus {
  if (!text) return "UNKNOWN";
  const name = RUN_STATUSES.find((s) => s === text.toUpperCase().replace(/^RUN_STATUS_/, ""));
  if (name) return name;
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (isEnumNumber(n)) return RUN_STATUSES[n] ?? n;
  throw new ControlPlaneError("INVALID_ARGUMENT", `status ${JSON.stringify(text.slice(0, 40))} is not a run status`);
}

/** The order of run page keys (`[startTime, runId]` as JSON): newest first, then by run id. */
function newestFirst(a: string, b: string): number {
  const [ta, ia] = runKey(a);
  const [tb, ib] = runKey(b);
  return tb - ta || (ia < ib ? -1 : ia > ib ? 1 : 0);
}

function runKey(key: string): [number, string] {
  try {
    const value = JSON.parse(key);
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === "string") {
      return value as [number, string];
    }
  } catch {
    // Falls through to the error below.
  }
  throw badPageToken();
}

/** A run as /api/runs shows it: the fields of the PipelineRun message, snake_case, int64 counters as strings. */
function runJson(run: PipelineRun) {
  return runFields(run, enumText(run.status), (ms) => new Date(ms).toISOString(), null);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
