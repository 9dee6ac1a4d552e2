/**
 * Stored runs of `flowctl validate` (host/run_cache.ts): a replay prints what
 * the run printed, and anything the run depended on that changed (a file it
 * read, an environment variable, the arguments, the folder, the program) is
 * a miss; so is an entry that is broken, and a run that did more than read.
 */
import assert from "node:assert/strict";
import { main } from "../../cli/mod.ts";
import type { Io } from "../../cli/io.ts";
import { denoIo } from "../../host/deno_io.ts";
import { recordRun, replayRun, runKey } from "../../host/run_cache.ts";
import { cue, ROOT } from "../support/helpers.ts";

const PIPELINE = await Deno.readTextFile(new URL("fixtures/invalid/schema_errors.yaml", ROOT));

/** A real Io whose output and environment are the test's; a terminal, so that colour depends on NO_COLOR. */
function testIo(env: Record<string, string> = {}): Io & { said: string[] } {
  const said: string[] = [];
  const io = denoIo(() => cue());
  return { ...io, isTerminal: true, stdout: (t) => void said.push(`out:${t}`), stderr: (t) => void said.push(`err:${t}`), env: (n) => env[n], said };
}

async function record(dir: string, key: string, args: string[], env: Record<string, string> = {}) {
  const io = testIo(env);
  const recorder = recordRun(io);
  const code = await main(args, recorder.io);
  await recorder.store(dir, key, code);
  return { code, said: io.said };
}

async function replay(dir: string, key: string, env: Record<string, string> = {}) {
  const io = testIo(env);
  const code = await replayRun(dir, key, io);
  return { code, said: io.said };
}

Deno.test("run cache: a replay prints exactly what the run printed, with its exit code", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/p.yaml`;
  await Deno.writeTextFile(file, PIPELINE);
  const first = await record(dir, "k", ["validate", file], { NO_COLOR: "1" });
  assert.equal(first.code, 1);
  assert.ok(first.said.length > 3);
  assert.deepEqual(await replay(dir, "k", { NO_COLOR: "1" }), first);
});

Deno.test("run cache: a changed, removed or new file, or a changed environment variable, is a miss", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/p.yaml`;
  const other = `${dir}/other.yaml`;
  const reset = async () => {
    await Deno.writeTextFile(file, PIPELINE);
    await Deno.remove(other).catch(() => {});
    await record(dir, "k", ["validate", file, other], { NO_COLOR: "1" }); // other.yaml is missing
    assert.notEqual((await replay(dir, "k", { NO_COLOR: "1" })).code, undefined);
  };
  const changes: [string, () => Promise<unknown>, Record<string, string>?][] = [
    ["a byte of the file", () => Deno.writeTextFile(file, PIPELINE.replace("dockr", "docke"))],
    ["the file removed", () => Deno.remove(file)],
    ["a file that was missing now there", () => Deno.writeTextFile(other, PIPELINE)],
    ["NO_COLOR unset", async () => {}, {}],
    ["NO_COLOR changed", async () => {}, { NO_COLOR: "" }],
  ];
  for (const [what, change, env = { NO_COLOR: "1" }] of changes) {
    await reset();
    await change();
    assert.equal((await replay(dir, "k", env)).code, undefined, `${what}: replayed a stale run`);
  }
});

Deno.test("run cache: the key changes with the program, the arguments, the folder and either terminal", async () => {
  const base = { codeId: "a", args: ["validate", "p.yaml"], cwd: "/w", terminals: { stdout: false, stderr: false } };
  const keys = new Set([
    await runKey(base),
    await runKey({ ...base, codeId: "b" }),
    await runKey({ ...base, args: ["validate", "--format", "json", "p.yaml"] }),
    await runKey({ ...base, args: ["validate", "q.yaml"] }),
    await runKey({ ...base, cwd: "/x" }),
    await runKey({ ...base, terminals: { stdout: true, stderr: false } }),
    await runKey({ ...base, terminals: { stdout: false, stderr: true } }),
  ]);
  assert.equal(keys.size, 7);
  assert.equal(await runKey({ ...base }), await runKey(base));
});

Deno.test("run cache: a broken entry is a miss, and a run that read stdin or wrote is not stored", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/p.yaml`;
  await Deno.writeTextFile(file, PIPELINE);
  await record(dir, "k", ["validate", file]);
  const entry = await Deno.readTextFile(`${dir}/runs/k.json`);
  for (const broken of [entry.slice(0, 40), "[]", JSON.stringify({ ...JSON.parse(entry), key: "other" })]) {
    await Deno.writeTextFile(`${dir}/runs/k.json`, broken);
    assert.equal((await replay(dir, "k")).code, undefined);
  }
  const io = { ...testIo(), readStdin: () => Promise.resolve(new TextEncoder().encode(PIPELINE)) };
  const recorder = recordRun(io);
  const code = await main(["validate", "-"], recorder.io);
  await recorder.store(dir, "stdin", code);
  assert.equal((await replay(dir, "stdin")).code, undefined);
  // A path that is a stream (a pipe, /dev/stdin) is not a file: such a run is not kept either.
  const fifo = `${dir}/fifo`;
  await new Deno.Command("mkfifo", { args: [fifo] }).output();
  const writer = Deno.writeTextFile(fifo, PIPELINE);
  await record(dir, "fifo", ["validate", fifo]);
  await writer;
  await assert.rejects(Deno.stat(`${dir}/runs/fifo.json`));
});
