/**
 * The messages between the worker pool and its workers, and the worker's end:
 * a worker module calls serveJobs once with how it gets ready (e.g. starting
 * CUE from the module the pool sends), then answers one job at a time.
 */
import type { Answer } from "./answer.ts";
import type { CompileJob } from "./compile_job.ts";

export type ToWorker =
  | { kind: "init"; payload: unknown }
  | { kind: "job"; id: number; job: CompileJob };

export type FromWorker =
  | { kind: "ready" }
  | { kind: "start_failed"; error: string }
  | { kind: "answer"; id: number; answer: Answer }
  | { kind: "failed"; id: number; error: string };

/** The parts of a worker's global scope used here (the type checker sees a window scope). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
}

/** Installs the worker's message handler; `start` runs on the pool's first message and returns the job runner. */
export function serveJobs(start: (payload: unknown) => Promise<(job: CompileJob) => Answer>): void {
  const scope = globalThis as unknown as WorkerScope;
  let run: ((job: CompileJob) => Answer) | undefined;
  scope.onmessage = async ({ data }) => {
    if (data.kind === "init") {
      try {
        run = await start(data.payload);
        scope.postMessage({ kind: "ready" });
      } catch (err) {
        scope.postMessage({ kind: "start_failed", error: describe(err) });
      }
      return;
    }
    try {
      if (!run) throw new Error("a job came before the worker was ready");
      scope.postMessage({ kind: "answer", id: data.id, answer: run(data.job) });
    } catch (err) {
      scope.postMessage({ kind: "failed", id: data.id, error: describe(err) });
    }
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.stack ?? err.message : String(err);
}
