/**
 * The worker pool with a worker that can be held (tests/support/gated_worker.ts):
 * what is answered, and in which order, while a job holds its worker. Nothing
 * here measures time; a budget of a few ms only makes a held job run past it.
 */
import assert from "node:assert/strict";
import type { CompileJob } from "../../service/compile_job.ts";
import type { RunOutcome } from "../../service/runner.ts";
import { type PoolOptions, WorkerPool } from "../../service/worker_pool.ts";
import { until } from "../support/helpers.ts";

const GATED_WORKER = new URL("../support/gated_worker.ts", import.meta.url);

/** A pool of gated workers, and the gate: open() lets every held job go on. */
async function gatedPool(options: Partial<PoolOptions> = {}) {
  const gate = new SharedArrayBuffer(4);
  const pool = await WorkerPool.start({
    worker: GATED_WORKER,
    init: { gate },
    workerOptions: { deno: { permissions: "none" } } as WorkerOptions,
    size: 2,
    budgetMs: 60_000,
    drainLimitMs: 60_000,
    queueLimit: 8,
    maxWaitMs: 60_000,
    largeSource: 1_000_000,
    retryAfterSeconds: 1,
    ...options,
  });
  const open = () => {
    const flag = new Int32Array(gate);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  return { pool, open };
}

const job = (source: string): CompileJob => ({ route: "validate", source, filename: "p.yaml" });

/** A guard, not a measure: an outcome that never comes fails the test instead of hanging it. */
async function soon<T>(outcome: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const never = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("no outcome within 20 s")), 20_000)));
  try {
    return await Promise.race([outcome, never]);
  } finally {
    clearTimeout(timer);
  }
}

/** A job's outcome, and whether it has come yet. */
function track(outcome: Promise<RunOutcome>) {
  const tracked = { settled: false, outcome };
  outcome.then(() => (tracked.settled = true));
  return tracked;
}

function echoed(outcome: RunOutcome): string {
  assert.equal(outcome.kind, "answered", JSON.stringify(outcome));
  return JSON.parse((outcome as { answer: { body: string } }).answer.body).echo;
}

Deno.test("worker pool: a fast job is answered while a slow one holds the other worker (issue 12, item 11)", async () => {
  const { pool, open } = await gatedPool();
  try {
    const slow = track(pool.run(job("block")));
    assert.equal(echoed(await soon(pool.run(job("fast")))), "fast");
    assert.equal(echoed(await soon(pool.run(job("faster")))), "faster");
    assert.equal(slow.settled, false, "the slow job is still running");
    open();
    assert.equal(echoed(await soon(slow.outcome)), "block");
  } finally {
    open();
    pool.close();
  }
});

Deno.test("worker pool: a job past its budget is answered over_budget at once; its worker keeps the slot until the job ends, then is replaced", async () => {
  const { pool, open } = await gatedPool({ budgetMs: 20 });
  try {
    assert.deepEqual(await soon(pool.run(job("block"))), { kind: "over_budget", budgetMs: 20 });
    // Its worker is still held (the gate is shut): the other one answers.
    assert.equal(echoed(await soon(pool.run(job("meanwhile")))), "meanwhile");
    assert.equal(pool.started, 2);
    open();
    await until("the held worker to be replaced", () => pool.started === 3, 30);
    const after = await soon(Promise.all([pool.run(job("a")), pool.run(job("b"))]));
    assert.deepEqual(after.map(echoed), ["a", "b"]);
  } finally {
    open();
    pool.close();
  }
});

Deno.test("worker pool: a worker still held past the drain limit is terminated and its slot refilled", async () => {
  const { pool, open } = await gatedPool({ budgetMs: 10, drainLimitMs: 20 });
  try {
    assert.equal((await soon(pool.run(job("block")))).kind, "over_budget");
    await until("a new worker in the held one's slot", () => pool.started === 3, 30);
    // Both slots answer, though the first job never ended.
    const both = await soon(Promise.all([pool.run(job("a")), pool.run(job("b"))]));
    assert.deepEqual(both.map(echoed), ["a", "b"]);
  } finally {
    open(); // the terminated thread returns from its job, and ends
    pool.close();
  }
});

Deno.test("worker pool: with every worker held, jobs wait in the queue up to its limit; more are busy at once", async () => {
  const { pool, open } = await gatedPool({ queueLimit: 1 });
  try {
    const held = [track(pool.run(job("block 1"))), track(pool.run(job("block 2")))];
    const waiting = track(pool.run(job("waits")));
    assert.deepEqual(await soon(pool.run(job("one too many"))), { kind: "busy", retryAfterSeconds: 1 });
    assert.equal(waiting.settled, false);
    assert.equal(pool.capacity, 3);
    open();
    assert.deepEqual((await soon(Promise.all([...held, waiting].map((t) => t.outcome)))).map(echoed), ["block 1", "block 2", "waits"]);
  } finally {
    open();
    pool.close();
  }
});

Deno.test("worker pool: a job that waited its longest for a worker is busy", async () => {
  const { pool, open } = await gatedPool({ maxWaitMs: 10 });
  try {
    const held = [track(pool.run(job("block 1"))), track(pool.run(job("block 2")))];
    assert.deepEqual(await soon(pool.run(job("waits too long"))), { kind: "busy", retryAfterSeconds: 1 });
    assert.ok(held.every((t) => !t.settled));
  } finally {
    open();
    pool.close();
  }
});

Deno.test("worker pool: large jobs leave one worker to small ones, and a worker that ran one is replaced", async () => {
  const { pool, open } = await gatedPool({ largeSource: 10 });
  try {
    const large = [track(pool.run(job("block: a large one"))), track(pool.run(job("block: another large one")))];
    // The second large job waits, though a worker is idle: that one is kept for small jobs.
    assert.equal(echoed(await soon(pool.run(job("small")))), "small");
    assert.ok(large.every((t) => !t.settled));
    open();
    assert.deepEqual((await soon(Promise.all(large.map((t) => t.outcome)))).map(echoed), ["block: a large one", "block: another large one"]);
    await until("both large jobs' workers to be replaced", () => pool.started === 4, 30);
  } finally {
    open();
    pool.close();
  }
});

Deno.test("worker pool: a job that throws is failed, and the worker goes on; a worker that cannot start fails the pool's start", async () => {
  const { pool, open } = await gatedPool({ size: 1 });
  try {
    const failed = await soon(pool.run(job("throw")));
    assert.equal(failed.kind, "failed");
    assert.match(String((failed as { error: Error }).error.message), /a job that throws/);
    assert.equal(echoed(await soon(pool.run(job("next")))), "next");
  } finally {
    open();
    pool.close();
  }
  await assert.rejects(
    WorkerPool.start({
      worker: GATED_WORKER,
      init: { gate: new SharedArrayBuffer(4), failToStart: true },
      size: 2,
      budgetMs: 1000,
      drainLimitMs: 1000,
      queueLimit: 1,
      maxWaitMs: 1000,
      largeSource: 1000,
      retryAfterSeconds: 1,
    }),
    /told to fail/,
  );
});

Deno.test("worker pool: closing it answers what waits and what runs busy", async () => {
  const { pool, open } = await gatedPool({ size: 1 });
  const running = pool.run(job("block"));
  const waiting = pool.run(job("waits"));
  pool.close();
  open();
  assert.deepEqual(await soon(Promise.all([running, waiting])), [{ kind: "busy", retryAfterSeconds: 1 }, { kind: "busy", retryAfterSeconds: 1 }]);
  assert.deepEqual(await soon(pool.run(job("after"))), { kind: "busy", retryAfterSeconds: 1 });
});
