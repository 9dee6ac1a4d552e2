/**
 * A pipeline run in the PipelineRun message's field names (snake_case), as
 * gRPC answers it and /api/runs shows it; they differ only in how the status
 * and times are spelled.
 */
import type { PipelineRun } from "./runs.ts";

export function runFields<S, T>(run: PipelineRun, status: S, time: (ms: number) => T, noEnd: T | null | undefined) {
  const m = run.metrics;
  return {
    run_id: run.runId,
    pipeline_id: run.pipelineId,
    pipeline_name: run.pipelineName,
    status,
    start_time: time(run.startTime),
    end_time: run.endTime === undefined ? noEnd : time(run.endTime),
    config_yaml: run.configYaml,
    metrics: {
      events_processed: m.eventsProcessed,
      events_per_second: m.eventsPerSecond,
      bytes_processed: m.bytesProcessed,
      component_metrics: Object.fromEntries(
        Object.entries(m.componentMetrics).map(([id, c]) => [id, {
          events_in: c.eventsIn,
          events_out: c.eventsOut,
          bytes_in: c.bytesIn,
          bytes_out: c.bytesOut,
          processing_time_ms: c.processingTimeMs,
        }]),
      ),
    },
    error: run.error,
    component_ids: run.componentIds,
  };
}
