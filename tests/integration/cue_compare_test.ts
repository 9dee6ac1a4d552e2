/**
 * flowctl's own validator (CUE v0.17.1, cue/) against the one it replaced
 * (cue-wasm 1.0.0, CUE v0.4.3), document by document, on the corpus and the
 * fixtures: both must call the same documents valid. Each engine judges the
 * data CUE sees in flowctl (after YAML parsing, legacy upgrade and overlays),
 * taken from the first check validate() makes.
 */
import assert from "node:assert/strict";
import type { CueEngine, CueProblem } from "../../compiler/cue.ts";
import { PIPELINE_CUE } from "../../schemas/pipeline_cue.ts";
import { validate } from "../../translate/compile.ts";
import { cue, fixtureFiles, ROOT } from "../support/helpers.ts";
import { type LegacyCue, loadLegacyCue } from "../support/cue_wasm_legacy.ts";

/** `file#document` → which engine is right and why; verdicts that differ elsewhere fail. */
export const EXPLAINED: Record<string, string> = {};

type Path = (string | number)[];

/** The files compared, relative to the repository. */
export async function comparedFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(new URL(dir, ROOT))) {
      if (e.isDirectory) await walk(`${dir}${e.name}/`);
      else if (/\.(ya?ml|json)$/.test(e.name)) out.push(dir + e.name);
    }
  };
  await walk("tests/corpus/");
  for (const folder of ["fixtures", "fixtures/invalid", "fixtures/with_flags", "fixtures/with_options"]) {
    out.push(...(await fixtureFiles(folder)).map((f) => `${folder}/${f}`));
  }
  return out.sort();
}

/** The documents CUE judges in a file, and the new engine's problems; undefined when CUE never sees one. */
function judgeNew(
  engine: CueEngine,
  file: string,
  text: string,
): { docs: unknown[]; problems: CueProblem[][] } | undefined {
  let first: { docs: unknown[]; problems: CueProblem[][]; error?: string } | undefined;
  const recording: CueEngine = {
    openapi: (schema) => engine.openapi(schema),
    check(schema, definition, documents) {
      const answer = engine.check(schema, definition, documents);
      if (!first && definition === "#Pipeline") {
        first = { docs: JSON.parse(documents), problems: answer.problems ?? [], error: answer.error };
      }
      return answer;
    },
  };
  validate(text, { filename: file, cue: recording });
  // Thrown here, not in check(): validate() would turn it into a diagnostic.
  if (first?.error !== undefined) throw new Error(`${file}: the new engine failed: ${first.error}`);
  // A file without a pipeline document (bad syntax, another format) reaches CUE as an empty list, or not at all.
  return first?.docs.length ? first : undefined;
}

/** cue-wasm's verdict, as flowctl used to ask it: export `#Pipeline & data`. */
function judgeOld(legacy: LegacyCue, doc: unknown): string | undefined {
  const data = JSON.stringify(doc).replaceAll("\ufeff", "\\ufeff");
  return legacy(`${PIPELINE_CUE}\nv0: #Pipeline & ${data}\n`).error;
}

/** The path of cue-wasm's error `v0.a."b c".0: message` (list indexes as numbers). */
export function oldErrorPath(text: string): Path | undefined {
  const line = text.replace(/^cue: marshal error: /, "").split("\n")[0];
  const m = /^v0((?:\.(?:"(?:[^"\\]|\\.)*"|[^.:\s"]+))*):/.exec(line);
  if (!m) return undefined;
  const steps = m[1].match(/"(?:[^"\\]|\\.)*"|[^.]+/g) ?? [];
  return steps.map((s) => s.startsWith('"') ? JSON.parse(s) : /^\d+$/.test(s) ? Number(s) : s);
}

const prefixOf = (a: Path, b: Path) => a.length <= b.length && a.every((s, i) => s === b[i]);

const say = (lines: string[]) => Deno.stdout.writeSync(new TextEncoder().encode(lines.join("\n") + "\n"));

Deno.test("cue: the new validator gives cue-wasm 1.0.0's verdict on every corpus and fixture document", async () => {
  const started = performance.now();
  const engine = await cue(); // the new engine first: it keeps its own Go runtime
  const legacy = await loadLegacyCue();
  const c = { files: 0, notJudged: 0, docs: 0, newValid: 0, oldValid: 0, bothInvalid: 0, pathsAgree: 0 };
  const differ: string[] = [];
  const notes: string[] = [];
  for (const file of await comparedFiles()) {
    c.files++;
    const judged = judgeNew(engine, file, await Deno.readTextFile(new URL(file, ROOT)));
    if (!judged) c.notJudged++;
    judged?.docs.forEach((doc, i) => {
      const problems = judged.problems[i];
      const oldError = judgeOld(legacy, doc);
      c.docs++;
      if (!problems.length) c.newValid++;
      if (oldError === undefined) c.oldValid++;
      if (!problems.length !== (oldError === undefined)) {
        const newVerdict = problems.length ? JSON.stringify(problems) : "valid";
        differ.push(`${file}#${i}: new ${newVerdict}; old ${oldError ?? "valid"}`);
      } else if (oldError !== undefined) {
        // Both invalid: cue-wasm's first error should be at, above or below a place the new engine names.
        const path = oldErrorPath(oldError);
        c.bothInvalid++;
        if (path && problems.some((p) => prefixOf(path, p.path) || prefixOf(p.path, path))) c.pathsAgree++;
        else {
          const paths = JSON.stringify(problems.map((p) => p.path));
          notes.push(`path differs ${file}#${i}: old ${oldError.split("\n")[0]}; new ${paths}`);
        }
      }
    });
  }
  const key = (line: string) => line.slice(0, line.indexOf(": "));
  const unexplained = differ.filter((d) => !EXPLAINED[key(d)]);
  const stale = Object.keys(EXPLAINED).filter((k) => !differ.some((d) => key(d) === k));
  say([
    `cue compare: ${c.files} files (${c.notJudged} not judged by CUE), ${c.docs} documents`,
    `new engine: ${c.newValid} valid, ${c.docs - c.newValid} invalid`,
    `cue-wasm: ${c.oldValid} valid, ${c.docs - c.oldValid} invalid`,
    `${differ.length} verdicts differ (${unexplained.length} unexplained)`,
    `both invalid: ${c.bothInvalid}, cue-wasm's first error on a new problem's path in ${c.pathsAgree}`,
    `${Math.round(performance.now() - started)} ms`,
    ...differ.map((d) => `${EXPLAINED[key(d)] ? `explained (${EXPLAINED[key(d)]})` : "UNEXPLAINED"} ${d}`),
    ...notes,
  ]);
  assert.deepEqual(unexplained, [], "verdicts differ");
  assert.deepEqual(stale, [], "EXPLAINED lists documents whose verdicts no longer differ");
});
