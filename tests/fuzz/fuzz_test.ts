/**
 * Property tests: fast-check mutates every fixture and real pipeline (see
 * mutations.ts) and checks the invariants of invariants.ts at the library,
 * CLI and web service entry points, target options too, and that the work of checking a file
 * grows at most linearly with its size (counted in bytes CUE evaluates, not in
 * time: see scalable.ts). Every case that ever failed is kept in
 * regressions/ and replayed first.
 *
 *   FUZZ_RUNS=n      cases per property (default 40: a few seconds in npm test)
 *   FUZZ_SECONDS=s   run each property for s seconds instead (CI)
 *   FUZZ_SEED=n      the seed (default fixed, so npm test is repeatable); a
 *                    failure prints the seed and the shrunk case to replay it
 *
 * A failing case is also written to regressions/ as a file: commit it with the fix.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { defaultRegistry, parseOptionText } from "../../generators/mod.ts";
import { translate } from "../../translate/translate.ts";
import { cue } from "../support/helpers.ts";
import { DIAGNOSTIC_CODES } from "../../compiler/diagnostics.ts";
import { setSyntaxProblem } from "../../compiler/set_value.ts";
import { checkCli, checkDiagnostics, checkLibrary, checkService, checkTargetOutput, lineCount } from "./invariants.ts";
import { applyMutation, type FuzzInput, loadSeeds, mutation } from "./mutations.ts";
import { hostileString } from "./hostile_values.ts";
import { cueWork, SCALABLE } from "./scalable.ts";

const env = (name: string) => Deno.env.get(name);
const SECONDS = Number(env("FUZZ_SECONDS") ?? 0);
const SEED = Number(env("FUZZ_SEED") ?? 20261129);
const RUNS = Number(env("FUZZ_RUNS") ?? 40);
const REGRESSIONS = new URL("regressions/", import.meta.url);

function parameters<T>(runs = RUNS): fc.Parameters<T> {
  return SECONDS > 0
    ? { seed: SEED, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false }
    : { seed: SEED, numRuns: runs };
}

/** Runs a property; on a failure keeps the shrunk input in regressions/ before failing with fast-check's report. */
async function holds<T>(property: fc.IAsyncPropertyWithHooks<[T]>, keep: (value: T) => FuzzInput | undefined, runs?: number) {
  const details = await fc.check(property, parameters(runs));
  if (!details.failed) return;
  const found = details.counterexample ? keep(details.counterexample[0]) : undefined;
  let kept = "";
  if (found) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", found.bytes.slice()));
    const name = `found-${[...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("")}.bin`;
    await Deno.writeFile(new URL(name, REGRESSIONS), found.bytes);
    kept = `\nThe failing input (from ${found.name}) is kept as tests/fuzz/regressions/${name}.`;
  }
  throw new Error(`${fc.defaultReportMessage(details)}\n${(details.errorInstance as Error)?.stack ?? details.errorInstance}${kept}`);
}

const seeds = await loadSeeds();

Deno.test("fuzz: every case found so far (regressions/) keeps every invariant", async () => {
  const names = [...Deno.readDirSync(REGRESSIONS)].map((e) => e.name).filter((n) => n !== "README.md").sort();
  assert(names.length > 0);
  for (const name of names) {
    const input = { name: `regressions/${name}`, bytes: await Deno.readFile(new URL(name, REGRESSIONS)) };
    try {
      const { valid } = await checkLibrary(input);
      await checkCli(input, valid);
      await checkService(input);
    } catch (err) {
      throw new Error(`tests/fuzz/regressions/${name}: ${(err as Error).message}`);
    }
  }
});

Deno.test("fuzz: mutated pipelines, through the library and every target", async () => {
  const seedNames = seeds.map((s) => s.name);
  await holds(
    fc.asyncProperty(mutation(seeds.length), async (m) => {
      const input = applyMutation(seeds, m);
      try {
        await checkLibrary(input);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n(seed file ${seedNames[m.seed]})`);
      }
    }),
    (m) => applyMutation(seeds, m),
  );
});

Deno.test("fuzz: mutated pipelines, through the CLI and the web service", async () => {
  await holds(
    fc.asyncProperty(mutation(seeds.length), async (m) => {
      const input = applyMutation(seeds, m);
      const stdin = { ...input, name: "<stdin>" };
      const { valid } = await checkLibrary(stdin);
      await checkCli(stdin, valid);
      await checkService(input);
    }),
    (m) => applyMutation(seeds, m),
    Math.ceil(RUNS / 4),
  );
});

Deno.test("fuzz: a mutated file laid over a pipeline, and hostile --set values, through every target", async () => {
  const base = seeds.find((s) => s.name === "fixtures/fan_out.yaml")!;
  const baseBytes = new TextEncoder().encode(base.text);
  const paths = fc.constantFrom(
    "processors.token-transfers.replicas",
    "metadata.name",
    "metadata.labels",
    "spec.controlPlane.port",
    "sinks.postgres.env.X",
    "processors.token-transfers.inputs.0",
    "sources.ledger-source.image",
  );
  const values = fc.oneof(hostileString, fc.constantFrom("1", "null", "", "-1", "[1]", "{a: 1}", "true", "ledger-source"));
  await holds(
    fc.asyncProperty(
      fc.record({ m: mutation(seeds.length), set: fc.array(fc.tuple(fc.oneof(paths, hostileString), values), { maxLength: 3 }) }),
      async ({ m, set }) => {
        const overlay = applyMutation(seeds, m);
        // A malformed --set is a usage error before any file is read; the rest reach the compiler.
        const expressions = set.map(([path, value]) => `${path}=${value}`).filter((e) => !setSyntaxProblem(e));
        const result = translate({
          pipelines: [{ name: "base.yaml", text: baseBytes }],
          overlays: [{ name: "overlay.yaml", text: overlay.bytes }],
          set: expressions,
          targets: "all",
          cue: await cue(),
        });
        assert.deepEqual(result.problems, []);
        const [file] = result.files;
        const lines: Record<string, number> = { "base.yaml": lineCount(baseBytes), "overlay.yaml": lineCount(overlay.bytes), "--set": 1 };
        for (const d of [...file.diagnostics, ...file.targets.flatMap((t) => t.diagnostics)]) {
          const what = `${d.code} ${JSON.stringify(d.message)}`;
          assert.notEqual(d.code, "E_INTERNAL", what);
          assert(Object.hasOwn(DIAGNOSTIC_CODES, d.code), `unknown code ${what}`);
          assert(Object.hasOwn(lines, d.file), `${what} names one of the files: ${d.file}`);
          assert(d.line >= 1 && d.line <= lines[d.file] && d.column >= 1, `${what} at ${d.file}:${d.line}:${d.column}`);
        }
        for (const ir of file.pipelines) for (const t of file.targets) if (t.files.length) await checkTargetOutput(t.target, ir);
      },
    ),
    () => undefined,
    Math.ceil(RUNS / 4),
  );
});

Deno.test("fuzz: target options take a hostile value as a usage problem or as a valid output", async () => {
  const registry = defaultRegistry();
  const options = registry.names().flatMap((target) => (registry.get(target)!.options ?? []).map((o) => ({ target, option: o })));
  const fixture = seeds.find((s) => s.name === "fixtures/every_setting.yaml")!;
  const input: FuzzInput = { name: "every_setting.yaml", bytes: new TextEncoder().encode(fixture.text) };
  await holds(
    fc.asyncProperty(
      fc.record({ which: fc.integer({ min: 0, max: options.length - 1 }), text: fc.oneof(hostileString, fc.constantFrom("1", "0", "-5", "2.5", "1e20", "1e308", "99999", "-1Gi", "a..b", "${x}", "10s", "true")) }),
      async ({ which, text }) => {
        const { target, option } = options[which];
        const value = parseOptionText(option, text) ?? text;
        const result = translate({
          pipelines: [{ name: input.name, text: input.bytes }],
          targets: [target],
          options: { [option.name]: value },
          cue: await cue(),
          registry,
        });
        if (result.problems.length) return; // refused as a usage error, with a message
        const [file] = result.files;
        checkDiagnostics([...file.diagnostics, ...file.targets.flatMap((t) => t.diagnostics)], input);
      },
    ),
    () => undefined,
  );
});

Deno.test("fuzz: the work of checking a file grows at most linearly with its size", async () => {
  await holds(
    fc.asyncProperty(fc.record({ shape: fc.integer({ min: 0, max: SCALABLE.length - 1 }), n: fc.integer({ min: 4, max: 300 }) }), async ({ shape, n }) => {
      const { name, text } = SCALABLE[shape];
      const input = text(n);
      const work = await cueWork(input);
      // Every byte is checked once, in one call; a value of a disjunction that fails is checked
      // again on its own, to say which alternative it missed (a fraction of the input).
      assert(work.bytes <= 2 * input.length, `${name}, n = ${n}: ${input.length} bytes of input, ${work.bytes} checked`);
      // One call for the file, plus at most one small one per diagnostic.
      assert(work.evaluations <= 1 + work.diagnostics, `${name}, n = ${n}: ${work.evaluations} calls for ${work.diagnostics} diagnostics`);
    }),
    () => undefined,
    Math.ceil(RUNS / 4),
  );
});
