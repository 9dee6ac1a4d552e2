/**
 * Graphviz's own parser on flowctl's DOT: every golden `graph/*.dot` and a
 * 50-component pipeline's graph go through `dot -Tsvg` with no error and no
 * warning, and the drawing holds every component. `dot` comes from Debian
 * (scripts/test_tools.sh installs graphviz).
 */
import assert from "node:assert/strict";
import { renderDot } from "../../graph/dot.ts";
import type { Topology } from "../../graph/topology.ts";
import { exec, ROOT } from "../support/helpers.ts";

async function dot(text: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return await exec("dot", ["-Tsvg"], { stdin: text });
}

Deno.test("graphviz: every golden DOT file is accepted by dot with no warning", async () => {
  let checked = 0;
  for await (const fixture of Deno.readDir(new URL("golden/", ROOT))) {
    const dir = new URL(`golden/${fixture.name}/graph/`, ROOT);
    const files = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
    for (const f of files.filter((f) => f.name.endsWith(".dot"))) {
      const text = await Deno.readTextFile(new URL(f.name, dir));
      const r = await dot(text);
      assert.deepEqual([r.code, r.stderr], [0, ""], `golden/${fixture.name}/graph/${f.name}`);
      checked++;
    }
  }
  assert(checked >= 8, `the goldens are there (${checked})`);
});

Deno.test("graphviz: a 50-component pipeline with ids dot would misread draws every node", async () => {
  const ids = Array.from({ length: 50 }, (_, i) => i === 7 ? 'odd "id" {with} ->edge;' : i === 9 ? "node" : `c-${i}`);
  const topology: Topology = {
    pipeline: "wide",
    components: ids.map((id, i) => ({
      id,
      kind: i < 5 ? "source" : i >= 45 ? "sink" : "processor",
      label: `example/${i}:1`,
      inputs: i < 5 ? [] : [ids[i - 5]],
    })),
  };
  const r = await dot(renderDot(topology));
  assert.deepEqual([r.code, r.stderr], [0, ""]);
  assert.equal((r.stdout.match(/<g id="node\d+" class="node">/g) ?? []).length, 50);
  assert.equal((r.stdout.match(/<g id="edge\d+" class="edge">/g) ?? []).length, 45);
  // The check fails on what dot refuses (it can fail).
  assert.notEqual((await dot("digraph { a -> }")).code, 0);
});
