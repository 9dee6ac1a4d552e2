/** Bad and hostile input: each gets a diagnostic with a code, never a crash or a hang. */
import assert from "node:assert/strict";
import { validate } from "../../translate/compile.ts";
import { cue } from "../support/helpers.ts";

async function codes(text: string): Promise<string[]> {
  const result = validate(text, { filename: "hostile.yaml", cue: await cue() });
  return [...new Set(result.diagnostics.map((d) => d.code))];
}

Deno.test("validate() rejects a billion-laughs file with E_ALIAS_LIMIT", async () => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  lines.push("apiVersion: flowctl/v1", "boom: *a9");
  assert.deepEqual(await codes(lines.join("\n")), ["E_ALIAS_LIMIT"]);
});

Deno.test("validate() rejects 5,000 levels of nesting with E_TOO_DEEP", async () => {
  assert.deepEqual(await codes("a: " + "[".repeat(5000) + "]".repeat(5000)), ["E_TOO_DEEP"]);
  const block = Array.from({ length: 200 }, (_, i) => " ".repeat(i) + `k${i}:`).join("\n") + " 1";
  assert.deepEqual(await codes(block), ["E_TOO_DEEP"]);
});

Deno.test("validate() refuses a 10 MB file with E_FILE_TOO_LARGE", async () => {
  assert.deepEqual(await codes("# " + "x".repeat(10 * 1024 * 1024)), ["E_FILE_TOO_LARGE"]);
});

Deno.test("validate() reports wrong top-level types with E_NOT_A_MAPPING", async () => {
  for (const text of ["42", '"a string"', "[1, 2]", "true"]) assert.deepEqual(await codes(text), ["E_NOT_A_MAPPING"], text);
});

Deno.test("validate() reports empty and comment-only files with E_EMPTY_FILE", async () => {
  for (const text of ["", "   \n", "# nothing\n", "---\n---\n"]) assert.deepEqual(await codes(text), ["E_EMPTY_FILE"], JSON.stringify(text));
});

Deno.test("validate() reports binary junk as a syntax error", async () => {
  const junk = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => (i * 7919) % 256));
  const found = await codes(junk);
  assert(found.length > 0 && found.every((c) => c.startsWith("E_")), found.join());
});

Deno.test("validate() gives each error in a file, with positions, in one run", async () => {
  const text = [
    "apiVersion: flowctl/v1",
    "kind: Pipeline",
    "metadata: {name: x, colour: red}",
    "spec:",
    "  sources:",
    "    - {id: a, image: i, replicas: -2, imagePullPolicy: Always}",
    "  sinks:",
    "    - {id: b, image: i, inputs: [c]}",
  ].join("\n");
  const result = validate(text, { filename: "f.yaml", cue: await cue() });
  const found = result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code}@${d.line}:${d.column}`);
  assert.deepEqual(found, ["E_UNKNOWN_KEY@3:21", "E_VALUE@6:35", "E_UNKNOWN_KEY@6:39", "E_UNKNOWN_INPUT@8:34"]);
});

Deno.test("validate() survives a CUE evaluator that reports an unparseable error", () => {
  const broken = { evaluate: () => ({ error: "something else entirely" }), openapi: () => ({ error: "unused" }) };
  const result = validate("apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: x}\nspec: {sources: [{id: a, image: b}]}", {
    filename: "f.yaml",
    cue: broken,
  });
  assert.deepEqual(result.diagnostics.map((d) => d.code), ["E_INTERNAL", "W_UNCONSUMED"]);
});
