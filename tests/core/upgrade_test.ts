/** upgrade(): each older format becomes flowctl/v1 with a warning that names it, positions still in the file as written. */
import assert from "node:assert/strict";
import { parseSource } from "../../compiler/parse.ts";
import { locate, sourceFile } from "../../compiler/source.ts";
import { upgrade } from "../../compiler/upgrade.ts";

function upgraded(text: string) {
  const parsed = parseSource(sourceFile("p.yaml", text));
  assert.deepEqual(parsed.diagnostics, []);
  return upgrade(parsed.documents[0]);
}

/** The 1-based line of `path` in the upgraded document. */
function lineOf(result: ReturnType<typeof upgrade>, path: (string | number)[]): number {
  return locate(result.document!, path).line;
}

Deno.test("upgrade() keeps a flowctl/v1 document as it is, with no diagnostic", () => {
  const r = upgraded("apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: p}\nspec: {}\n");
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual((r.document!.data as { apiVersion: string }).apiVersion, "flowctl/v1");
});

Deno.test("upgrade() turns apiVersion v1 into flowctl/v1 with W_DEPRECATED_FORMAT at the apiVersion", () => {
  const r = upgraded("apiVersion: v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  sources: [{id: s, image: i}]\n");
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.line, d.column]), [["W_DEPRECATED_FORMAT", 1, 13]]);
  assert.match(r.diagnostics[0].message, /^apiVersion "v1" is deprecated/);
  assert.equal((r.document!.data as { apiVersion: string }).apiVersion, "flowctl/v1");
});

Deno.test("upgrade() renames name to id (obsrvr.com/v1alpha1), and ids point at the names as written", () => {
  const r = upgraded(
    "apiVersion: obsrvr.com/v1alpha1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  sources:\n    - name: src\n      image: i\n",
  );
  const data = r.document!.data as { spec: { sources: { id: string; name?: string }[] } };
  assert.deepEqual(data.spec.sources[0], { id: "src", image: "i" });
  assert.equal(lineOf(r, ["spec", "sources", 0, "id"]), 6);
});

Deno.test("upgrade() turns spec.flow edges into inputs (flowctl.withobsrvr.com/v1), each input at its edge's line", () => {
  const r = upgraded(
    "apiVersion: flowctl.withobsrvr.com/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n" +
      "  sources: [{name: a, image: i}, {name: b, image: i}]\n  sinks: [{name: out, image: i}]\n" +
      "  flow:\n    - {from: a, to: out}\n    - {from: b, to: out}\n",
  );
  const data = r.document!.data as { spec: { sinks: { inputs: string[] }[]; flow?: unknown } };
  assert.deepEqual(data.spec.sinks[0].inputs, ["a", "b"]);
  assert.equal(data.spec.flow, undefined);
  assert.equal(lineOf(r, ["spec", "sinks", 0, "inputs", 1]), 9);
});

Deno.test("upgrade() makes a legacy source/processors/sink file a linear chain with config from params", () => {
  const r = upgraded(
    "version: 0.1\nsource:\n  type: ledger\n  params:\n    image: example/src:1\n    interval_ms: 1000\n" +
      "processors:\n  - name: filter\n    plugin: token-filter\n    params: {image: example/f:1}\n" +
      "sink:\n  type: stdout\n  params:\n    image: example/out:1\n    ports: ['8080']\n",
  );
  assert.equal(r.diagnostics[0].code, "W_DEPRECATED_FORMAT");
  const spec = (r.document!.data as { spec: Record<string, Record<string, unknown>[]> }).spec;
  assert.deepEqual(spec.sources[0], { id: "ledger", image: "example/src:1", config: { interval_ms: 1000 } });
  assert.deepEqual(spec.processors[0], { id: "filter", type: "token-filter", image: "example/f:1", inputs: ["ledger"] });
  assert.deepEqual(spec.sinks[0], { id: "stdout", image: "example/out:1", ports: [{ containerPort: 8080 }], inputs: ["filter"] });
  // A value moved into the new shape still points at the file as written.
  assert.equal(lineOf(r, ["spec", "sources", 0, "config", "interval_ms"]), 6);
  assert.equal(lineOf(r, ["spec", "sinks", 0, "ports", 0, "containerPort"]), 15);
});

Deno.test("upgrade() rejects what it cannot upgrade: QuickstartPipeline, unknown kinds and versions, non-mappings", () => {
  const cases: [string, string][] = [
    ["apiVersion: flowctl.io/v1alpha1\nkind: QuickstartPipeline\n", "E_UNSUPPORTED_FORMAT"],
    ["apiVersion: flowctl/v1\nkind: SandboxServices\n", "E_UNKNOWN_FORMAT"],
    ["apiVersion: flowctl/v9\nkind: Pipeline\n", "E_UNKNOWN_FORMAT"],
    ["- a\n- b\n", "E_NOT_A_MAPPING"],
  ];
  for (const [text, code] of cases) {
    const r = upgraded(text);
    assert.equal(r.document, undefined, text);
    assert.deepEqual(r.diagnostics.map((d) => d.code), [code], text);
  }
});
