/**
 * Compilations off the main thread: a fixed number of Web Workers, each
 * running one job at a time, and a bounded queue in front of them.
 *  - A job is answered within `budgetMs` of starting: past it, the client is
 *    told so at once. A worker cannot be stopped inside CUE (Deno's
 *    terminate() takes effect only when the worker's synchronous work
 *    returns), so the worker keeps its slot until the job ends, and is then
 *    replaced; the slots bound the threads computing, abandoned ones included.
 *    One still busy after `drainLimitMs` is terminated and its slot refilled.
 *  - A job waits for a worker at most `maxWaitMs`, and only while fewer than
 *    `queueLimit` wait; otherwise it is answered busy at once.
 *  - A large job (a long source: seconds of CUE) may take all but one worker,
 *    so small jobs always have one. CUE's memory grows to fit the largest
 *    input it has seen and never shrinks, so a worker that ran a large job is
 *    replaced, which frees it.
 */
import type { CompileJob } from "./compile_job.ts";
import type { FromWorker, ToWorker } from "./pool_protocol.ts";
import type { CompileRunner, RunOutcome } from "./runner.ts";

export interface PoolOptions {
  /** The worker module: it answers with serveJobs (pool_protocol.ts). */
  worker: URL;
  /** Sent to each new worker before any job (e.g. the compiled CUE module). */
  init?: unknown;
  /** Passed to `new Worker` (e.g. Deno's permissions for the worker). */
  workerOptions?: WorkerOptions;
  size: number;
  /** Longest a job runs before its client is answered over budget, in ms. */
  budgetMs: number;
  /** Longest an abandoned job keeps its worker before the worker is terminated, in ms. */
  drainLimitMs: number;
  queueLimit: number;
  /** Longest a job waits for a worker, in ms. */
  maxWaitMs: number;
  /** A job whose source is longer than this many characters is large. */
  largeSource: number;
  /** What a busy answer tells the client to wait. */
  retryAfterSeconds: number;
  /** Told of a worker that failed outside a job its client waits for (a job's failure is its outcome). */
  onError?: (error: unknown) => void;
}

interface Waiting {
  job: CompileJob;
  large: boolean;
  settle: (outcome: RunOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Running {
  id: number;
  large: boolean;
  /** Undefined once the client was answered over budget. */
  settle?: (outcome: RunOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface Slot {
  worker?: Worker;
  /** draining: running a job whose client was already answered. */
  state: "starting" | "idle" | "running" | "draining";
  job?: Running;
}

/** After a worker fails to start (outside the pool's own start), the next try waits this long. */
const RESTART_DELAY_MS = 1000;

export class WorkerPool implements CompileRunner {
  readonly capacity: number;
  private startedCount = 0;
  private readonly slots: Slot[] = [];
  private readonly queue: Waiting[] = [];
  private readonly restarts = new Set<ReturnType<typeof setTimeout>>();
  private readonly largeLimit: number;
  private lastId = 0;
  private closed = false;
  private startup?: { waiting: number; resolve: () => void; reject: (error: unknown) => void };

  /** Workers started so far, replacements included. */
  get started(): number {
    return this.startedCount;
  }

  private constructor(private readonly options: PoolOptions) {
    this.capacity = options.size + options.queueLimit;
    this.largeLimit = Math.max(1, options.size - 1);
  }

  /** A pool whose workers are all ready; rejects (and stops them) if one fails to start. */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    if (!(options.size >= 1)) throw new Error(`a worker pool needs at least one worker, not ${options.size}`);
    const pool = new WorkerPool(options);
    const ready = new Promise<void>((resolve, reject) => (pool.startup = { waiting: options.size, resolve, reject }));
    try {
      for (let i = 0; i < options.size; i++) {
        const slot: Slot = { state: "starting" };
        pool.slots.push(slot);
        pool.spawn(slot);
      }
      await ready;
    } catch (err) {
      pool.close();
      throw err;
    }
    pool.startup = undefined;
    return pool;
  }

  run(job: CompileJob): Promise<RunOutcome> {
    if (this.closed) return Promise.resolve(this.busy());
    return new Promise((settle) => {
      const timer = setTimeout(() => this.unqueue(waiting) && settle(this.busy()), this.options.maxWaitMs);
      const waiting: Waiting = { job, large: job.source.length > this.options.largeSource, settle, timer };
      this.queue.push(waiting);
      this.dispatch();
      if (this.queue.length > this.options.queueLimit && this.unqueue(waiting)) {
        clearTimeout(waiting.timer);
        settle(this.busy());
      }
    });
  }

  /** Stops every worker; what was waiting or running is answered busy. */
  close(): void {
    this.closed = true;
    for (const timer of this.restarts) clearTimeout(timer);
    for (const waiting of this.queue.splice(0)) {
      clearTimeout(waiting.timer);
      waiting.settle(this.busy());
    }
    for (const slot of this.slots) {
      if (slot.job) {
        clearTimeout(slot.job.timer);
        slot.job.settle?.(this.busy());
        slot.job = undefined;
      }
      slot.worker?.terminate();
    }
  }

  private busy(): RunOutcome {
    return { kind: "busy", retryAfterSeconds: this.options.retryAfterSeconds };
  }

  private unqueue(waiting: Waiting): boolean {
    const at = this.queue.indexOf(waiting);
    if (at >= 0) this.queue.splice(at, 1);
    return at >= 0;
  }

  /** Gives idle workers the first waiting jobs they may take. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.state !== "idle") continue;
      const largeRunning = this.slots.filter((s) => s.job?.large).length;
      const next = this.queue.findIndex((w) => !w.large || largeRunning < this.largeLimit);
      if (next < 0) return;
      const [waiting] = this.queue.splice(next, 1);
      clearTimeout(waiting.timer);
      const id = ++this.lastId;
      slot.state = "running";
      slot.job = { id, large: waiting.large, settle: waiting.settle, timer: setTimeout(() => this.overBudget(slot, id), this.options.budgetMs) };
      slot.worker!.postMessage({ kind: "job", id, job: waiting.job } satisfies ToWorker);
    }
  }

  private spawn(slot: Slot): void {
    if (this.closed) return;
    this.startedCount++;
    slot.state = "starting";
    slot.job = undefined;
    slot.worker = undefined;
    let worker: Worker;
    try {
      worker = new Worker(this.options.worker, { ...this.options.workerOptions, type: "module" });
    } catch (err) {
      this.failedToStart(slot, err);
      return;
    }
    slot.worker = worker;
    // Events of a worker that was already replaced are ignored.
    worker.onmessage = ({ data }: MessageEvent<FromWorker>) => slot.worker === worker && this.heard(slot, data);
    worker.onerror = (event) => {
      event.preventDefault(); // else the error would end the whole process
      if (slot.worker === worker) this.crashed(slot, event.error ?? new Error(event.message));
    };
    worker.postMessage({ kind: "init", payload: this.options.init } satisfies ToWorker);
  }

  private heard(slot: Slot, message: FromWorker): void {
    if (message.kind === "start_failed") return this.failedToStart(slot, new Error(`a worker failed to start: ${message.error}`));
    if (message.kind === "ready") {
      slot.state = "idle";
      if (this.startup && --this.startup.waiting === 0) this.startup.resolve();
      this.dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    const outcome: RunOutcome = message.kind === "answer"
      ? { kind: "answered", answer: message.answer }
      : { kind: "failed", error: new Error(`a compile worker failed: ${message.error}`) };
    if (job.settle) job.settle(outcome);
    else if (outcome.kind === "failed") this.options.onError?.(outcome.error);
    if (job.large || slot.state === "draining") this.replace(slot);
    else slot.state = "idle";
    this.dispatch();
  }

  private crashed(slot: Slot, error: unknown): void {
    if (slot.state === "starting") return this.failedToStart(slot, error);
    slot.worker?.terminate();
    const job = slot.job;
    if (job) clearTimeout(job.timer);
    if (job?.settle) job.settle({ kind: "failed", error });
    else this.options.onError?.(error);
    this.spawn(slot);
    this.dispatch();
  }

  private failedToStart(slot: Slot, error: unknown): void {
    slot.worker?.terminate();
    if (this.startup) return this.startup.reject(error);
    this.options.onError?.(error);
    // Not at once: a worker that cannot start would otherwise be restarted in a tight loop.
    const timer = setTimeout(() => (this.restarts.delete(timer), this.spawn(slot)), RESTART_DELAY_MS);
    this.restarts.add(timer);
  }

  private overBudget(slot: Slot, id: number): void {
    const job = slot.job;
    if (!job?.settle || job.id !== id) return;
    job.settle({ kind: "over_budget", budgetMs: this.options.budgetMs });
    job.settle = undefined;
    slot.state = "draining";
    job.timer = setTimeout(() => {
      // terminate() stops it at the latest when its job returns; the new worker starts now.
      if (slot.job === job) this.replace(slot);
      this.dispatch();
    }, this.options.drainLimitMs);
  }

  private replace(slot: Slot): void {
    slot.worker?.terminate();
    this.spawn(slot);
  }
}
