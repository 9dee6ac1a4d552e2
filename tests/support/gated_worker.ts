/**
 * A worker for the worker pool's tests, on the pool's protocol: it echoes a
 * job's source at once, except that a source starting with "block" holds the
 * thread (as a long CUE evaluation would: no message gets in) until the test
 * opens the shared gate, and "throw" is a job that fails.
 */
import { jsonAnswer } from "../../service/answer.ts";
import { serveJobs } from "../../service/pool_protocol.ts";

serveJobs((payload) => {
  const { gate, failToStart } = payload as { gate: SharedArrayBuffer; failToStart?: boolean };
  if (failToStart) throw new Error("this worker was told to fail");
  const open = new Int32Array(gate);
  return Promise.resolve((job) => {
    if (job.source.startsWith("block")) Atomics.wait(open, 0, 0);
    if (job.source === "throw") throw new Error("a job that throws");
    return jsonAnswer(200, { echo: job.source });
  });
});
