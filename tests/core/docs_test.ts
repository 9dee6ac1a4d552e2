/**
 * The README tells the truth where it can be checked: its fidelity tables are
 * what the targets declare (deno task docs), every diagnostic code is in its
 * table with the meaning the code carries, and every code is produced
 * somewhere a test looks (a golden file or a test's assertion).
 */
import assert from "node:assert/strict";
import { DIAGNOSTIC_CODES } from "../../compiler/diagnostics.ts";
import { renderTables } from "../../scripts/readme_tables.ts";
import { README_PICTURE, readmePicture, readmePipeline } from "../../scripts/readme_graph.ts";
import { cue, ROOT } from "../support/helpers.ts";

const readme = await Deno.readTextFile(new URL("README.md", ROOT));

Deno.test("docs: the README's fidelity tables are rendered from the targets' declarations (deno task docs)", () => {
  assert.equal(readme, renderTables(readme), "README.md is stale: run deno task docs");
});

Deno.test("docs: the README shows docs/pipeline.svg, its example pipeline as flowctl graph draws it (deno task docs)", async () => {
  assert(readme.includes(`](${README_PICTURE})`), `README.md shows no ${README_PICTURE}`);
  assert.match(readmePipeline(readme), /^apiVersion: flowctl\/v1$/m);
  const committed = await Deno.readTextFile(new URL(README_PICTURE, ROOT)).catch(() => "");
  assert.equal(committed, readmePicture(readme, await cue()), `${README_PICTURE} is stale: run deno task docs`);
});

Deno.test("docs: every diagnostic code is in the README's table, with its meaning, and nothing else is", () => {
  const section = readme.slice(readme.indexOf("## Diagnostic codes"));
  const rows = [...section.matchAll(/^\| `([EW]_[A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows.map(([code]) => code).sort(), Object.keys(DIAGNOSTIC_CODES).sort());
  for (const [code, meaning] of rows) assert.equal(meaning, DIAGNOSTIC_CODES[code as keyof typeof DIAGNOSTIC_CODES], code);
});

Deno.test("docs: every diagnostic code appears in a golden file or in a test's expectations", async () => {
  const seen = new Set<string>();
  const collect = async (dir: URL, only: RegExp) => {
    for await (const e of Deno.readDir(dir)) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) await collect(url, only);
      else if (only.test(e.name) && e.name !== "docs_test.ts") {
        // Code, not comments: a code named only in a comment is expected by nothing.
        const code = (await Deno.readTextFile(url)).replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
        for (const m of code.matchAll(/\b[EW]_[A-Z_]+\b/g)) seen.add(m[0]);
      }
    }
  };
  await collect(new URL("golden/", ROOT), /^diagnostics\.txt$/);
  await collect(new URL("tests/", ROOT), /_test\.ts$/);
  const unseen = Object.keys(DIAGNOSTIC_CODES).filter((code) => !seen.has(code));
  assert.deepEqual(unseen, [], "codes no golden file or test expects: add a fixture or a test that produces each");
});
