/**
 * Pipeline runs (the legacy `flowctl.ControlPlane` run RPCs): created,
 * updated with status and metrics, stopped, listed newest first. Kept in the
 * store's `runs` bucket, so they survive a restart like registrations do.
 * Behaviour follows the Go server: a run starts STARTING with pipeline_id =
 * pipeline_name; COMPLETED, FAILED and STOPPED set the end time; an UNKNOWN
 * status in an update leaves the status alone, one the schema does not name
 * is kept (open_enum.ts); listing with no limit (≤ 0) gives every run.
 * Sizes are capped per run and in total; past the total, the oldest finished
 * runs are forgotten to make room.
 */
import { jsonBytes, utf8Length } from "./json_size.ts";
import type { OpenEnum } from "./open_enum.ts";
import { checkText, ControlPlaneError } from "./registry.ts";
import type { Store } from "./store.ts";

/** The names of flowctl.RunStatus, in the order of their numbers. */
export const RUN_STATUSES = ["UNKNOWN", "STARTING", "RUNNING", "COMPLETED", "FAILED", "STOPPED"] as const;
export type RunStatus = OpenEnum<(typeof RUN_STATUSES)[number]>;

/**
 * A protobuf int64 as decimal text ("-12", "9007199254740993"): exact over its
 * whole range, which a JS number is not past 2^53. As the proto3 JSON mapping
 * writes it, and as proto-loader gives it with `longs: String`.
 */
export type Int64 = string;

export interface ComponentMetrics {
  eventsIn: Int64;
  eventsOut: Int64;
  bytesIn: Int64;
  bytesOut: Int64;
  processingTimeMs: number;
}

export interface RunMetrics {
  eventsProcessed: Int64;
  eventsPerSecond: number;
  bytesProcessed: Int64;
  componentMetrics: Record<string, ComponentMetrics>;
}

export interface PipelineRun {
  runId: string;
  pipelineId: string;
  pipelineName: string;
  status: RunStatus;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime?: number;
  configYaml: string;
  metrics: RunMetrics;
  error: string;
  componentIds: string[];
}

export const RUN_LIMITS = {
  /** Runs kept; beyond it the oldest finished run is forgotten. */
  maxRuns: 10_000,
  /** Bytes (UTF-8) of a run's pipeline file. */
  maxConfig: 1 << 20,
  maxComponents: 1_000,
  /** Bytes of one run as stored (JSON), so any one run fits in a reply. */
  maxRunBytes: 2 << 20,
  /** Bytes of all runs together. */
  maxTotalBytes: 64 << 20,
} as const;

const FINISHED: readonly RunStatus[] = ["COMPLETED", "FAILED", "STOPPED"];

export class PipelineRuns {
  private runs = new Map<string, PipelineRun>();
  private sizes = new Map<string, number>();
  private totalBytes = 0;

  /** `initial`: checked runs from the store, all kept even past the caps. */
  constructor(private store?: Store, initial: Map<string, PipelineRun> = new Map()) {
    for (const run of initial.values()) this.keep(run, jsonBytes(run));
  }

  create(
    request: { runId: string; pipelineName: string; configYaml: string; componentIds: string[] },
    now: number,
  ): PipelineRun {
    if (!request.runId) throw new ControlPlaneError("INVALID_ARGUMENT", "run_id is empty");
    checkText("run_id", request.runId);
    checkText("pipeline_name", request.pipelineName);
    if (utf8Length(request.configYaml) > RUN_LIMITS.maxConfig) {
      throw new ControlPlaneError("RESOURCE_EXHAUSTED", `config_yaml is longer than ${RUN_LIMITS.maxConfig} bytes`);
    }
    if (request.componentIds.length > RUN_LIMITS.maxComponents) {
      throw new ControlPlaneError("RESOURCE_EXHAUSTED", `more than ${RUN_LIMITS.maxComponents} component_ids`);
    }
    for (const id of request.componentIds) checkText("component id", id);
    if (this.runs.has(request.runId)) {
      throw new ControlPlaneError("ALREADY_EXISTS", `pipeline run ${JSON.stringify(request.runId)} exists`);
    }
    const run: PipelineRun = {
      runId: request.runId,
      pipelineId: request.pipelineName,
      pipelineName: request.pipelineName,
      status: "STARTING",
      startTime: now,
      configYaml: request.configYaml,
      metrics: { eventsProcessed: "0", eventsPerSecond: 0, bytesProcessed: "0", componentMetrics: {} },
      error: "",
      componentIds: [...request.componentIds],
    };
    const size = checkRunBytes(run);
    while (this.runs.size >= RUN_LIMITS.maxRuns || this.totalBytes + size > RUN_LIMITS.maxTotalBytes) this.forgetOldestFinished();
    this.put(run, size);
    return run;
  }

  update(runId: string, status: RunStatus, metrics: RunMetrics | undefined, error: string, now: number): PipelineRun {
    const run = { ...this.get(runId) };
    checkText("error", error);
    if (metrics && Object.keys(metrics.componentMetrics).length > RUN_LIMITS.maxComponents) {
      throw new ControlPlaneError("RESOURCE_EXHAUSTED", `more than ${RUN_LIMITS.maxComponents} component metrics`);
    }
    if (status !== "UNKNOWN") {
      run.status = status;
      if (FINISHED.includes(status)) run.endTime = now;
    }
    if (metrics) run.metrics = metrics;
    if (error) run.error = error;
    const size = checkRunBytes(run);
    if (this.totalBytes - (this.sizes.get(runId) ?? 0) + size > RUN_LIMITS.maxTotalBytes) {
      throw new ControlPlaneError("RESOURCE_EXHAUSTED", `pipeline runs would take more than ${RUN_LIMITS.maxTotalBytes} bytes together`);
    }
    this.put(run, size);
    return run;
  }

  stop(runId: string, now: number): PipelineRun {
    const run = this.get(runId);
    if (FINISHED.includes(run.status)) return run;
    const stopped = { ...run, status: "STOPPED" as const, endTime: now };
    this.put(stopped, jsonBytes(stopped));
    return stopped;
  }

  get(runId: string): PipelineRun {
    if (!runId) throw new ControlPlaneError("INVALID_ARGUMENT", "run_id is empty");
    const run = this.runs.get(runId);
    if (!run) throw new ControlPlaneError("NOT_FOUND", `pipeline run not found: ${JSON.stringify(runId.slice(0, 200))}`);
    return run;
  }

  /**
   * Newest first; empty name and UNKNOWN status match every run; limit ≤ 0
   * gives them all. Go gives all below 0 (its CLI asks with -1 to find a run
   * by a prefix of its id) and the 10 newest for 0; here "no limit" means one
   * thing.
   */
  list(pipelineName: string, status: RunStatus, limit: number): PipelineRun[] {
    const runs = this.newestFirst()
      .filter((r) => (!pipelineName || r.pipelineName === pipelineName) && (status === "UNKNOWN" || r.status === status));
    return limit > 0 ? runs.slice(0, limit) : runs;
  }

  /** A run's size as stored, in bytes (0 if unknown). */
  bytes(runId: string): number {
    return this.sizes.get(runId) ?? 0;
  }

  /** Every run, newest first (by start time, then run id). */
  newestFirst(): PipelineRun[] {
    return [...this.runs.values()].sort((a, b) => b.startTime - a.startTime || (a.runId < b.runId ? -1 : 1));
  }

  private forgetOldestFinished(): void {
    const oldest = this.newestFirst().reverse().find((r) => FINISHED.includes(r.status));
    if (!oldest) {
      throw new ControlPlaneError(
        "RESOURCE_EXHAUSTED",
        `no room for another pipeline run (at most ${RUN_LIMITS.maxRuns} runs and ${RUN_LIMITS.maxTotalBytes} bytes), and none has finished`,
      );
    }
    this.runs.delete(oldest.runId);
    this.totalBytes -= this.sizes.get(oldest.runId) ?? 0;
    this.sizes.delete(oldest.runId);
    this.store?.append({ bucket: "runs", key: oldest.runId });
  }

  private put(run: PipelineRun, size: number): void {
    this.store?.append({ bucket: "runs", key: run.runId, value: run });
    this.keep(run, size);
  }

  private keep(run: PipelineRun, size: number): void {
    this.totalBytes += size - (this.sizes.get(run.runId) ?? 0);
    this.sizes.set(run.runId, size);
    this.runs.set(run.runId, run);
  }
}

function checkRunBytes(run: PipelineRun): number {
  const size = jsonBytes(run);
  if (size > RUN_LIMITS.maxRunBytes) {
    throw new ControlPlaneError("RESOURCE_EXHAUSTED", `pipeline run ${JSON.stringify(run.runId.slice(0, 200))} would take ${size} bytes; the limit is ${RUN_LIMITS.maxRunBytes}`);
  }
  return size;
}
