/**
 * The web service's compile workers on Deno: CUE's module is compiled once
 * here and sent to each worker, and each worker gets only the permissions
 * compiling needs.
 */
import { RETRY_AFTER_SECONDS } from "../service/runner.ts";
import { WorkerPool } from "../service/worker_pool.ts";
import { loadCueWasm } from "./cue_wasm.ts";

export interface CompilePoolOptions {
  /** Default: the number of cores, at least 2, so that one slow job never takes every worker. */
  size?: number;
  /** Longest a compilation may run, in ms. Default 5 s: ~600 KB of pipeline for CUE. */
  budgetMs?: number;
  onError?: (error: unknown) => void;
}

const DEFAULT_BUDGET_MS = 5000;
/** Jobs that may wait, per worker: well under a second of small pipelines, and a bound on the request bodies held. */
const QUEUE_PER_WORKER = 8;
/** A request waits for a worker at most this long, so none is held much past the budget. */
const MAX_WAIT_MS = 1000;
/** A source over 64 Ki characters (~600 components, ~0.5 s of CUE) is a large job. */
const LARGE_SOURCE = 64 * 1024;
/** The largest body the service accepts takes ~16 s here; a job still running after a minute is stuck. */
const DRAIN_LIMIT_MS = 60_000;

/**
 * Nothing but reading the two environment variables the yaml package checks
 * (its debug switches): Deno refuses a read without permission rather than
 * answering undefined. The process must be allowed them too.
 */
export const WORKER_PERMISSIONS: Deno.PermissionOptionsObject = {
  env: ["LOG_TOKENS", "LOG_STREAM"],
  read: false,
  write: false,
  net: false,
  run: false,
  ffi: false,
  sys: false,
  import: false,
};

export async function startCompilePool(options: CompilePoolOptions = {}): Promise<WorkerPool> {
  const wasm = await WebAssembly.compile(await loadCueWasm({ diskCache: false }) as BufferSource);
  const size = options.size ?? Math.max(2, navigator.hardwareConcurrency);
  return await WorkerPool.start({
    worker: new URL("./compile_worker.ts", import.meta.url),
    init: { wasm },
    workerOptions: { deno: { permissions: WORKER_PERMISSIONS } } as WorkerOptions,
    size,
    budgetMs: options.budgetMs ?? DEFAULT_BUDGET_MS,
    drainLimitMs: DRAIN_LIMIT_MS,
    queueLimit: size * QUEUE_PER_WORKER,
    maxWaitMs: MAX_WAIT_MS,
    largeSource: LARGE_SOURCE,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    onError: options.onError,
  });
}
