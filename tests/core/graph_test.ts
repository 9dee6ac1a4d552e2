/** checkGraph(): the rules across components, each at the place the user can fix it, on data the schema may still reject. */
import assert from "node:assert/strict";
import { checkGraph } from "../../compiler/graph.ts";
import { parseSource } from "../../compiler/parse.ts";
import { sourceFile } from "../../compiler/source.ts";

function graph(spec: string) {
  const text = `apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n${spec}`;
  const doc = parseSource(sourceFile("p.yaml", text)).documents[0];
  return checkGraph(doc).map((d) => ({ code: d.code, line: d.line, message: d.message, hint: d.hint }));
}

const codes = (found: { code: string }[]) => found.map((d) => d.code).sort();

Deno.test("checkGraph() finds nothing wrong in a well-formed chain", () => {
  assert.deepEqual(graph("  sources: [{id: a, image: i}]\n  sinks: [{id: b, image: i, inputs: [a]}]\n"), []);
});

Deno.test("checkGraph() reports a duplicate id at the second one, naming the line of the first", () => {
  const found = graph("  sources:\n    - {id: a, image: i}\n  sinks:\n    - {id: a, image: i, inputs: [a]}\n");
  const dup = found.find((d) => d.code === "E_DUPLICATE_ID")!;
  assert.equal(dup.line, 8);
  assert.match(dup.message, /already used by the source at line 6/);
});

Deno.test("checkGraph() reports an unknown input at its own line, with a did-you-mean", () => {
  const found = graph("  sources: [{id: ledger, image: i}]\n  sinks:\n    - id: out\n      image: i\n      inputs: [ledgr]\n");
  const unknown = found.find((d) => d.code === "E_UNKNOWN_INPUT")!;
  assert.equal(unknown.line, 9);
  assert.equal(unknown.hint, 'did you mean "ledger"?');
});

Deno.test("checkGraph() reports a cycle once, as the data flows", () => {
  const found = graph(
    "  sources: [{id: s, image: i}]\n  processors:\n    - {id: a, image: i, inputs: [s, b]}\n    - {id: b, image: i, inputs: [a]}\n" +
      "  sinks: [{id: out, image: i, inputs: [b]}]\n",
  );
  const cycles = found.filter((d) => d.code === "E_CYCLE");
  assert.equal(cycles.length, 1);
  assert.match(cycles[0].message, /^inputs form a cycle: (a -> b -> a|b -> a -> b)$/);
});

Deno.test("checkGraph() checks input counts per kind, something to run, health ports, host ports and names", () => {
  const found = graph(
    "  sources:\n    - {id: s, image: i, inputs: [out]}\n    - {id: Bad_Name, command: [x], health_check: /h}\n" +
      "    - {id: p1, image: i, ports: [{containerPort: 1, hostPort: 8080}]}\n" +
      "    - {id: p2, image: i, ports: [{containerPort: 2, hostPort: 8080}]}\n" +
      "  sinks:\n    - {id: out, type: just-a-label}\n",
  );
  assert.deepEqual(codes(found), [
    "E_HEALTH_PORT",
    "E_NO_EXECUTABLE",
    "E_NO_INPUTS",
    "E_PORT_CONFLICT",
    "E_SOURCE_HAS_INPUTS",
    "W_NAME_SANITIZED",
    "W_UNCONSUMED", // s, Bad_Name, p1 and p2: the sink reads nothing
    "W_UNCONSUMED",
    "W_UNCONSUMED",
    "W_UNCONSUMED",
  ]);
  assert.equal(found.find((d) => d.code === "E_PORT_CONFLICT")!.line, 9, "at the second user of the port");
});

Deno.test("checkGraph() needs a source or a pipeline component, and reads broken data without throwing", () => {
  assert.deepEqual(codes(graph("  sinks: [{id: out, image: i, inputs: [out]}]\n")), ["E_CYCLE", "E_NO_COMPONENTS"]);
  // What the schema rejects (a list of numbers, ids that are not strings) is left to it.
  assert.deepEqual(codes(graph("  sources: [1, {id: 2}, {id: s, image: i, inputs: 3}]\n")), ["W_UNCONSUMED"]);
});
