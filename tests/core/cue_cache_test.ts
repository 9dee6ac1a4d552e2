/**
 * The cache of CUE's answers (host/cue_cache.ts): a hit is exactly the answer
 * a fresh evaluation gives, every ingredient of the key misses when changed,
 * and a broken or foreign entry is a miss, never an error.
 */
import assert from "node:assert/strict";
import { cachedCueEngine } from "../../host/cue_cache.ts";
import type { CueEngine } from "../../compiler/cue.ts";
import { PIPELINE_CUE } from "../../schemas/pipeline_cue.ts";
import { validate } from "../../translate/compile.ts";
import { cue, ROOT } from "../support/helpers.ts";

const DOC = JSON.stringify([{ apiVersion: "flowctl/v1", kind: "Pipeline", metadata: { name: "p" }, spec: { sources: [{ id: "s", replicas: -1 }] } }]);

/** The real engine, counting the checks that reach it. */
async function counting(): Promise<{ engine: CueEngine; calls: () => number }> {
  const real = await cue();
  let calls = 0;
  return { engine: { ...real, check: (...args) => (calls++, real.check(...args)) }, calls: () => calls };
}

function cached(dir: string, real: CueEngine, version = "1", build = "b1") {
  return cachedCueEngine({ dir, version, build, engine: () => real });
}

Deno.test("CUE answer cache: a hit gives what a fresh evaluation gives, without asking CUE", async () => {
  const dir = await Deno.makeTempDir();
  const { engine, calls } = await counting();
  const fresh = (await cue()).check(PIPELINE_CUE, "#Pipeline", DOC);
  assert.deepEqual(cached(dir, engine).check(PIPELINE_CUE, "#Pipeline", DOC), fresh);
  const again = cached(dir, engine);
  assert.deepEqual(again.check(PIPELINE_CUE, "#Pipeline", DOC), fresh);
  assert.equal(calls(), 1);
  assert.deepEqual(again.stats, { hits: 1, misses: 0 });
  // A whole validation through the cache reports the same diagnostics as one without it.
  const text = await Deno.readTextFile(new URL("fixtures/invalid/schema_errors.yaml", ROOT));
  const plain = validate(text, { filename: "f.yaml", cue: await cue() }).diagnostics;
  assert.deepEqual(validate(text, { filename: "f.yaml", cue: cached(dir, engine) }).diagnostics, plain);
  assert.deepEqual(validate(text, { filename: "f.yaml", cue: cached(dir, engine) }).diagnostics, plain);
});

Deno.test("CUE answer cache: changing any ingredient of the key is a miss", async () => {
  const dir = await Deno.makeTempDir();
  const { engine, calls } = await counting();
  cached(dir, engine).check(PIPELINE_CUE, "#Pipeline", DOC);
  const variants: [string, () => void][] = [
    ["flowctl version", () => cached(dir, engine, "2").check(PIPELINE_CUE, "#Pipeline", DOC)],
    ["CUE build", () => cached(dir, engine, "1", "b2").check(PIPELINE_CUE, "#Pipeline", DOC)],
    ["schema text", () => cached(dir, engine).check(`${PIPELINE_CUE}\n// changed\n`, "#Pipeline", DOC)],
    ["definition", () => cached(dir, engine).check(PIPELINE_CUE, "#Source", JSON.stringify([{ id: "s" }]))],
    ["documents", () => cached(dir, engine).check(PIPELINE_CUE, "#Pipeline", DOC.replace("-1", "-2"))],
  ];
  for (const [what, run] of variants) {
    const before = calls();
    run();
    assert.equal(calls(), before + 1, `${what} changed, but CUE was not asked`);
  }
});

Deno.test("CUE answer cache: a corrupt, truncated or foreign entry is a miss and is written anew", async () => {
  const dir = await Deno.makeTempDir();
  const { engine, calls } = await counting();
  const fresh = cached(dir, engine).check(PIPELINE_CUE, "#Pipeline", DOC);
  const [name] = [...Deno.readDirSync(`${dir}/cue`)].map((e) => e.name);
  const entry = Deno.readTextFileSync(`${dir}/cue/${name}`);
  for (const broken of [entry.slice(0, entry.length / 2), "{}", "null", JSON.stringify({ key: "other", problems: [] })]) {
    Deno.writeTextFileSync(`${dir}/cue/${name}`, broken);
    const before = calls();
    assert.deepEqual(cached(dir, engine).check(PIPELINE_CUE, "#Pipeline", DOC), fresh);
    assert.equal(calls(), before + 1);
    assert.equal(Deno.readTextFileSync(`${dir}/cue/${name}`), entry);
  }
  // A reader never sees a writer's temporary file: only complete entries have the entry's name.
  assert.deepEqual([...Deno.readDirSync(`${dir}/cue`)].map((e) => e.name), [name]);
});

Deno.test("CUE answer cache: errors are not kept, and a folder that cannot be written is no error", async () => {
  const dir = await Deno.makeTempDir();
  let calls = 0;
  const failing: CueEngine = { check: () => (calls++, { error: "internal: it broke" }), openapi: () => ({ error: "unused" }) };
  assert.deepEqual(cached(dir, failing).check(PIPELINE_CUE, "#Pipeline", DOC), { error: "internal: it broke" });
  assert.deepEqual(cached(dir, failing).check(PIPELINE_CUE, "#Pipeline", DOC), { error: "internal: it broke" });
  assert.equal(calls, 2);
  const file = `${dir}/a-file`;
  Deno.writeTextFileSync(file, "not a folder");
  const { engine } = await counting();
  assert.deepEqual(cached(file, engine).check(PIPELINE_CUE, "#Pipeline", DOC), (await cue()).check(PIPELINE_CUE, "#Pipeline", DOC));
});
