/**
 * Who runs compilations for the handler. The handler only needs an outcome
 * per job, so a test can hand it any runner, the server hands it a pool of
 * workers (worker_pool.ts), and a host without workers (Deno Deploy, a
 * library user) gets the in-process runner below.
 */
import type { Answer } from "./answer.ts";
import { type CompileJob, type JobTools, runJob } from "./compile_job.ts";

/** What a busy answer tells the client to wait, in seconds. */
export const RETRY_AFTER_SECONDS = 1;

/** What became of a job; errors are data, a runner never throws. */
export type RunOutcome =
  | { kind: "answered"; answer: Answer }
  /** No worker free and no room to wait (or waited too long): the client should retry later. */
  | { kind: "busy"; retryAfterSeconds: number }
  /** It ran longer than the budget and was stopped. */
  | { kind: "over_budget"; budgetMs: number }
  /** flowctl failed: the job threw, or its worker died. */
  | { kind: "failed"; error: unknown };

export interface CompileRunner {
  run(job: CompileJob): Promise<RunOutcome>;
  /** How many jobs it holds at once, running and waiting; the handler refuses more before reading their bodies. */
  readonly capacity?: number;
}

/**
 * Compiles on the calling thread, one job at a time (CUE is synchronous).
 * Nothing can stop a job midway here, so there is no time budget: hosts that
 * have workers use the pool.
 */
export function inProcessRunner(tools: JobTools): CompileRunner {
  return {
    run: (job) => {
      try {
        return Promise.resolve({ kind: "answered", answer: runJob(job, tools) });
      } catch (error) {
        return Promise.resolve({ kind: "failed", error });
      }
    },
  };
}
