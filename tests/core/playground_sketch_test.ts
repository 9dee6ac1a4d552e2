/**
 * The playground's sketch (playground/sketch.ts): for every valid fixture it
 * is the topology `flowctl graph` draws, so the browser's picture is the
 * CLI's; for an invalid pipeline it still draws what can be read; and each
 * diagnostic about a component finds that component's node.
 */
import assert from "node:assert/strict";
import { topologyOf } from "../../generators/shared/topology.ts";
import { renderSvg } from "../../graph/svg.ts";
import { componentOf, sketchPipelines } from "../../playground/sketch.ts";
import { validate } from "../../translate/compile.ts";
import { cue, fixtureFiles, ROOT } from "../support/helpers.ts";
import { svgProblems } from "../support/svg_check.ts";

Deno.test("sketchPipelines() of every valid fixture is its topology, so the playground draws the CLI's picture", async () => {
  for (const fixture of await fixtureFiles("fixtures")) {
    const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
    const { pipelines } = validate(text, { filename: fixture, cue: await cue() });
    const sketches = sketchPipelines(text, fixture);
    assert.deepEqual(sketches.map((s) => s.topology), pipelines.map(topologyOf), fixture);
    for (const [i, s] of sketches.entries()) assert.equal(renderSvg(s.topology), renderSvg(topologyOf(pipelines[i])), fixture);
  }
});

Deno.test("sketchPipelines() draws an invalid pipeline as far as it can be read", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/invalid/graph_errors.yaml", ROOT));
  const [sketch] = sketchPipelines(text);
  // src twice (drawn once), a cycle p1 ⇄ p2, an input that names nothing, a component without an image.
  assert.deepEqual(sketch.topology.components.map((c) => [c.id, c.inputs]), [
    ["lonely", []],
    ["Bad_Name", []],
    ["dst", []],
    ["src", ["dst"]],
    ["p1", ["p2"]],
    ["p2", ["p1"]],
  ]);
  assert.deepEqual(svgProblems(renderSvg(sketch.topology), sketch.topology).problems.filter((p) => !/right to left|passes through|starts at|ends at/.test(p)), []);
  assert.deepEqual(sketchPipelines("not: [valid"), []);
  assert.deepEqual(sketchPipelines("- a list\n"), []);
  assert.deepEqual(sketchPipelines("apiVersion: flowctl/v1\nkind: Pipeline\nspec:\n  sources: [{image: x}, 3, {id: a}]\n")[0].topology, {
    pipeline: "pipeline",
    components: [{ id: "a", kind: "source", label: "", inputs: [] }],
  });
});

Deno.test("componentOf() finds the component of each diagnostic by its path and line, and none for the rest", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/invalid/graph_errors.yaml", ROOT));
  const sketches = sketchPipelines(text);
  const { diagnostics } = validate(text, { cue: await cue() });
  const found = diagnostics.map((d) => `${d.line}:${d.code}→${componentOf(d, sketches)?.id}`);
  assert.deepEqual(found.filter((f) => f.includes("E_UNKNOWN_INPUT") || f.includes("E_CYCLE") || f.includes("E_DUPLICATE_ID") || f.includes("E_NO_INPUTS")), [
    "12:E_DUPLICATE_ID→src",
    "21:E_CYCLE→p2",
    "23:E_NO_INPUTS→lonely",
    "26:E_UNKNOWN_INPUT→Bad_Name",
    "30:E_NO_INPUTS→dst",
  ]);
  assert.equal(componentOf({ line: 5, path: "metadata.name" }, sketches), undefined);
  // Several documents: the one whose lines hold the diagnostic.
  const multi = await Deno.readTextFile(new URL("fixtures/multi_document.yaml", ROOT));
  const two = sketchPipelines(multi);
  assert.equal(two.length, 2);
  const line = multi.split("\n").findIndex((l, i) => i > 8 && l.includes("sinks:")) + 1;
  assert.deepEqual(componentOf({ line, path: "spec.sinks[0].inputs[0]" }, two), { sketch: 1, id: "b" });
  assert.deepEqual(componentOf({ line: 6, path: "spec.sinks[0].image" }, two), { sketch: 0, id: "b" });
});
