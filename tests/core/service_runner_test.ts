/**
 * The web service with its compilations in a runner (issue 12, item 11): what
 * it answers when a runner is full, out of time or failing; that it refuses a
 * request past the runner's capacity before reading its body; that a slow
 * request in the worker pool does not hold a fast one; and that the pool's
 * answers are, byte for byte, the answers compiled in process.
 */
import assert from "node:assert/strict";
import { startCompilePool } from "../../host/compile_pool.ts";
import type { CompileJob } from "../../service/compile_job.ts";
import { createHandler } from "../../service/handler.ts";
import type { CompileRunner, RunOutcome } from "../../service/runner.ts";
import { WorkerPool } from "../../service/worker_pool.ts";
import { cue, fixtureFiles, ROOT } from "../support/helpers.ts";

const post = (path: string, body: BodyInit) =>
  new Request(`http://flowctl.test${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });

/** A runner that answers every job with the same outcome, and counts the jobs. */
function fixedRunner(outcome: RunOutcome): CompileRunner & { jobs: CompileJob[] } {
  const jobs: CompileJob[] = [];
  return { jobs, run: (job) => (jobs.push(job), Promise.resolve(outcome)) };
}

/** A runner with room for one job, which it holds until release(); reached() resolves once a job is in it. */
function heldRunner() {
  let release = () => {};
  let reached = Promise.withResolvers<void>();
  const runner: CompileRunner = {
    capacity: 1,
    run: () =>
      new Promise((resolve) => {
        release = () => resolve({ kind: "answered", answer: { status: 200, body: "{}\n" } });
        reached.resolve();
      }),
  };
  return {
    runner,
    reached: () => reached.promise,
    release: () => {
      reached = Promise.withResolvers<void>();
      release();
    },
  };
}

Deno.test("service runner: over budget is 503 time_budget with a message and a hint, and no Retry-After", async () => {
  const runner = fixedRunner({ kind: "over_budget", budgetMs: 5000 });
  const response = await createHandler({ runner })(post("/v1/translate", JSON.stringify({ source: "x", target: "nomad" })));
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), null);
  const { error } = await response.json();
  assert.equal(error.code, "time_budget");
  assert.match(error.message, /time budget \(5 s\)/);
  assert.match(error.hint, /CLI/);
  assert.deepEqual(runner.jobs, [{ route: "translate", source: "x", filename: "pipeline.yaml", target: "nomad", options: undefined }]);
});

Deno.test("service runner: busy is 503 busy with Retry-After; a failed job is 500 internal, told to onError", async () => {
  const busy = await createHandler({ runner: fixedRunner({ kind: "busy", retryAfterSeconds: 3 }) })(post("/v1/validate", '{"source": "x"}'));
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get("retry-after"), "3");
  const { error } = await busy.json();
  assert.equal(error.code, "busy");
  assert.match(error.hint, /after 3 s/);

  const told: unknown[] = [];
  const bug = new Error("a bug in a worker");
  const handler = createHandler({ runner: fixedRunner({ kind: "failed", error: bug }), onError: (e) => told.push(e) });
  const failed = await handler(post("/v1/validate", '{"source": "x"}'));
  assert.equal(failed.status, 500);
  assert.equal((await failed.json()).error.code, "internal");
  assert.deepEqual(told, [bug]);
});

Deno.test("service runner: past the runner's capacity a request is 503 busy before its body is read", async () => {
  const held = heldRunner();
  const handler = createHandler({ runner: held.runner });
  const first = handler(post("/v1/validate", '{"source": "x"}'));
  await held.reached();
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      c.enqueue(new TextEncoder().encode('{"source": "y"}'));
      c.close();
    },
  }, { highWaterMark: 0 }); // pulled only when read
  const second = await handler(post("/v1/validate", body));
  assert.equal(second.status, 503);
  assert.equal((await second.json()).error.code, "busy");
  assert.equal(pulled, 0, "the refused request's body was not read");
  held.release();
  assert.equal((await first).status, 200);
  // The first one's place is free again.
  const third = handler(post("/v1/validate", '{"source": "z"}'));
  await held.reached();
  held.release();
  assert.equal((await third).status, 200);
});

Deno.test("service runner: in the worker pool, a request past the budget is 503 and a fast one sent after it is answered, while the slow job still runs", async () => {
  const gate = new SharedArrayBuffer(4);
  const pool = await WorkerPool.start({
    worker: new URL("../support/gated_worker.ts", import.meta.url),
    init: { gate },
    size: 2,
    budgetMs: 20,
    drainLimitMs: 60_000,
    queueLimit: 4,
    maxWaitMs: 60_000,
    largeSource: 1_000_000,
    retryAfterSeconds: 1,
  });
  try {
    const handler = createHandler({ runner: pool });
    // Both are answered while the slow job still holds its worker: its gate opens only below.
    const [s, f] = await Promise.all([handler(post("/v1/validate", '{"source": "block"}')), handler(post("/v1/validate", '{"source": "fast"}'))]);
    assert.equal(f.status, 200);
    assert.deepEqual(await f.json(), { echo: "fast" });
    assert.equal(s.status, 503);
    assert.equal((await s.json()).error.code, "time_budget");
  } finally {
    const open = new Int32Array(gate);
    Atomics.store(open, 0, 1);
    Atomics.notify(open, 0);
    pool.close();
  }
});

Deno.test("service runner: the worker pool answers byte for byte what the in-process path answers", async () => {
  const pool = await startCompilePool({ size: 2 });
  try {
    const inProcess = createHandler({ cue: await cue() });
    const inWorkers = createHandler({ runner: pool });
    const fanOut = await Deno.readTextFile(new URL("fixtures/fan_out.yaml", ROOT));
    const bodies: unknown[] = [
      { source: fanOut, filename: "fan_out.yaml", target: "kubernetes", options: { namespace: "data" } },
      { source: fanOut.replace("inputs: [token-transfers]", "inputs: [token-transfer]") }, // 422
      { source: fanOut, target: "nomad", options: { namespace: "data" } }, // 400 invalid_option
      { source: "a: [" }, // E_SYNTAX
    ];
    for (const name of await fixtureFiles("fixtures")) {
      bodies.push({ source: await Deno.readTextFile(new URL(`fixtures/${name}`, ROOT)), filename: name, target: "docker-compose" });
    }
    let compared = 0;
    for (const body of bodies) {
      for (const path of ["/v1/translate", "/v1/validate"]) {
        const text = JSON.stringify(path === "/v1/validate" ? { source: (body as { source: string }).source } : body);
        const [a, b] = await Promise.all([inProcess(post(path, text)), inWorkers(post(path, text))]);
        const label = `${path} ${text.slice(0, 80)}`;
        assert.equal(b.status, a.status, label);
        assert.deepEqual([...b.headers], [...a.headers], label);
        assert.deepEqual(new Uint8Array(await b.arrayBuffer()), new Uint8Array(await a.arrayBuffer()), label);
        compared++;
      }
    }
    assert.ok(compared > 40);
  } finally {
    pool.close();
  }
});

Deno.test("service runner: a body that does not arrive in time is 408 body_timeout, and frees its place", async () => {
  const held = heldRunner();
  const handler = createHandler({ runner: held.runner, bodyTimeoutMs: 10 });
  const never = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) }, { highWaterMark: 0 });
  const late = await handler(post("/v1/validate", never));
  assert.equal(late.status, 408);
  assert.equal((await late.json()).error.code, "body_timeout");
  // The place it held is free: the next request reaches the runner.
  const next = handler(post("/v1/validate", '{"source": "x"}'));
  await held.reached();
  held.release();
  assert.equal((await next).status, 200);
});
