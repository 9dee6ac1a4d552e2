/**
 * Pipeline runs (the legacy `flowctl.ControlPlane` run RPCs): created,
 * updated with status and metrics, stopped, listed newest first. Kept in the
 * store's `runs` bucket, so they survive a restart like registrations do.
 * Behaviour follows the Go server: a run starts STARTING with pipeline_id =
 * pipeline_name; COMPLETED, FAILED and STOPPED set the end time; an UNKNOWN
 * status in an update leaves the status alone; listing defaults to 10 runs.
 */
import { checkText, ControlPlaneError } from "./registry.ts";
import type { Store } from "./store.ts";

export const RUN_STATUSES = ["UNKNOWN", "STARTING", "RUNNING", "COMPLETED", "FAILED", "STOPPED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface ComponentMetrics {
  eventsIn: number;
  eventsOut: number;
  bytesIn: number;
  bytesOut: number;
  processingTimeMs: number;
}

export interface RunMetrics {
  eventsProcessed: number;
  eventsPerSecond: number;
  bytesProcessed: number;
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
  /** Characters of a run's pipeline file. */
  maxConfig: 1 << 20,
  maxComponents: 1_000,
  defaultList: 10,
} as const;

const FINISHED: readonly RunStatus[] = ["COMPLETED", "FAILED", "STOPPED"];

export class PipelineRuns {
  private runs = new Map<string, PipelineRun>();

  /** `initial`: checked runs from the store. */
  constructor(private store?: Store, initial: Map<string, PipelineRun> = new Map()) {
    for (const run of initial.values()) this.runs.set(run.runId, run);
  }

  create(
    request: { runId: string; pipelineName: string; configYaml: string; componentIds: string[] },
    now: number,
  ): PipelineRun {
    if (!request.runId) throw new ControlPlaneError("INVALID_ARGUMENT", "run_id is empty");
    checkText("run_id", request.runId);
    checkText("pipeline_name", request.pipelineName);
    if (request.configYaml.length > RUN_LIMITS.maxConfig) {
      throw new ControlPlaneError("RESOURCE_EXHAUSTED", `config_yaml is longer than ${RUN_LIMITS.maxConfig} characters`);
    }
    if (request.componentIds.length > RUN_LIMITS.maxComponents) {
      throw new ControlPlaneError("RESOURCE_EXHAUSTED", `more than ${RUN_LIMITS.maxComponents} component_ids`);
    }
    for (const id of request.componentIds) checkText("component id", id);
    if (this.runs.has(request.runId)) {
      throw new ControlPlaneError("ALREADY_EXISTS", `pipeline run ${JSON.stringify(request.runId)} exists`);
    }
    if (this.runs.size >= RUN_LIMITS.maxRuns) this.forgetOldestFinished();
    const run: PipelineRun = {
      runId: request.runId,
      pipelineId: request.pipelineName,
      pipelineName: request.pipelineName,
      status: "STARTING",
      startTime: now,
      configYaml: request.configYaml,
      metrics: { eventsProcessed: 0, eventsPerSecond: 0, bytesProcessed: 0, componentMetrics: {} },
      error: "",
      componentIds: [...request.componentIds],
    };
    this.put(run);
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
    this.put(run);
    return run;
  }

  stop(runId: string, now: number): PipelineRun {
    const run = this.get(runId);
    if (FINISHED.includes(run.status)) return run;
    const stopped = { ...run, status: "STOPPED" as const, endTime: now };
    this.put(stopped);
    return stopped;
  }

  get(runId: string): PipelineRun {
    if (!runId) throw new ControlPlaneError("INVALID_ARGUMENT", "run_id is empty");
    const run = this.runs.get(runId);
    if (!run) throw new ControlPlaneError("NOT_FOUND", `pipeline run not found: ${JSON.stringify(runId.slice(0, 200))}`);
    return run;
  }

  /** Newest first; empty name and UNKNOWN status match every run; limit ≤ 0 means 10. */
  list(pipelineName: string, status: RunStatus, limit: number): PipelineRun[] {
    return this.newestFirst()
      .filter((r) => (!pipelineName || r.pipelineName === pipelineName) && (status === "UNKNOWN" || r.status === status))
      .slice(0, limit > 0 ? limit : RUN_LIMITS.defaultList);
  }

  private newestFirst(): PipelineRun[] {
    return [...this.runs.values()].sort((a, b) => b.startTime - a.startTime || (a.runId < b.runId ? -1 : 1));
  }

  private forgetOldestFinished(): void {
    const oldest = this.newestFirst().reverse().find((r) => FINISHED.includes(r.status));
    if (!oldest) {
      throw new ControlPlaneError("RESOURCE_EXHAUSTED", `${RUN_LIMITS.maxRuns} pipeline runs are still active`);
    }
    this.runs.delete(oldest.runId);
    this.store?.append({ bucket: "runs", key: oldest.runId });
  }

  private put(run: PipelineRun): void {
    this.store?.append({ bucket: "runs", key: run.runId, value: run });
    this.runs.set(run.runId, run);
  }
}
