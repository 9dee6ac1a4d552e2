/** Bad and hostile input: each gets a diagnostic with a code, never a crash or a hang. */
import assert from "node:assert/strict";
import { diagnostic, formatDiagnostic } from "../../compiler/diagnostics.ts";
import { generate, validate } from "../../translate/compile.ts";
import { translate } from "../../translate/translate.ts";
import { cue } from "../support/helpers.ts";
import type { CueEngine } from "../../compiler/cue.ts";
import { MAX_PROBLEMS } from "../../compiler/schema.ts";

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

Deno.test("validate() survives a CUE evaluator that answers with an error or with nonsense", () => {
  for (const answer of [{ error: "something else entirely" }, { problems: [] }]) {
    const broken = { check: () => answer, openapi: () => ({ error: "unused" }) };
    const result = validate("apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: x}\nspec: {sources: [{id: a, image: b}]}", {
      filename: "f.yaml",
      cue: broken,
    });
    assert.deepEqual(result.diagnostics.map((d) => d.code), ["E_INTERNAL", "W_UNCONSUMED"]);
  }
});

// Issue 12's findings, one regression each.

const HEAD = "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: x}\n";

Deno.test("validate() reports a document without spec as E_MISSING_FIELD at the document, not a crash", async () => {
  const result = validate(HEAD, { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line, d.column, d.message]), [
    ["E_MISSING_FIELD", 1, 1, 'required field "spec" is missing at the top level'],
  ]);
});

Deno.test("validate() reads a mapping of 50,000 keys and 60,000 aliases as E_TOO_MANY_ENTRIES, not minutes of work", async () => {
  const keys = Array.from({ length: 50_000 }, (_, i) => `        K${i}: v`).join("\n");
  assert.deepEqual(await codes(`${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n      env:\n${keys}\n`), ["E_TOO_MANY_ENTRIES"]);
  const aliases = Array.from({ length: 60_000 }, (_, i) => `  - *a${i % 10}`).join("\n");
  const anchors = Array.from({ length: 10 }, (_, i) => `x-${i}: &a${i} v${i}`).join("\n");
  assert.deepEqual(await codes(`${anchors}\nlist:\n${aliases}\n`), ["E_TOO_MANY_ENTRIES"]);
});

Deno.test("validate() refuses a megabyte of '- ' as E_TOO_DEEP before the YAML parser recurses", async () => {
  const result = validate("- ".repeat(512 * 1024), { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line]), [["E_TOO_DEEP", 1]]);
});

Deno.test("validate() resolves each alias to the last anchor of its name before it, also when a name is reused", async () => {
  const text = `${HEAD}x-a: &img first/image:1\nx-b: &img second/image:2\nspec:\n  sources: [{id: s, image: *img}]\n  sinks: [{id: t, image: *img, inputs: [s]}]\n`;
  const result = validate(text, { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(result.pipelines[0].components.map((c) => c.image), ["second/image:2", "second/image:2"]);
});

Deno.test("validate() reports a duplicate key at the second one, naming the first, also among 10,000 keys", async () => {
  const keys = Array.from({ length: 1_500 }, (_, i) => `        K${i}: v`).join("\n");
  const result = validate(`${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n      env:\n${keys}\n        K7: again\n`, {
    filename: "p.yaml",
    cue: await cue(),
  });
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line, d.path, d.message]), [
    ["E_DUPLICATE_KEY", 1509, "spec.sources[0].env.K7", 'key "K7" appears twice in this mapping (first at line 16)'],
  ]);
});

Deno.test("validate() keeps a key named __proto__ as data, without touching any prototype", async () => {
  const result = validate(`${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n      env: {__proto__: polluted, A: b}\n`, {
    filename: "p.yaml",
    cue: await cue(),
  });
  assert.deepEqual(Object.keys(result.pipelines[0].components[0].env), ["A", "__proto__"]);
  assert.equal(result.pipelines[0].components[0].env.__proto__.value, "polluted");
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("validate() reports a file with very many errors up to MAX_PROBLEMS per document, then E_ERROR_LIMIT, from one CUE call", async () => {
  const components = Array.from({ length: 2_000 }, (_, i) => `    - {id: s${i}, image: i, replicas: -1}`).join("\n");
  let calls = 0;
  const engine = await cue();
  const counting: CueEngine = { ...engine, check: (...args) => (calls++, engine.check(...args)) };
  const result = validate(`${HEAD}spec:\n  sources:\n${components}\n`, { filename: "p.yaml", cue: counting });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.equal(errors.filter((d) => d.code === "E_VALUE").length, MAX_PROBLEMS);
  const values = errors.filter((d) => d.code === "E_VALUE");
  assert.deepEqual(values.slice(0, 2).map((d) => d.path), ["spec.sources[0].replicas", "spec.sources[1].replicas"]);
  assert.equal(errors.filter((d) => d.code === "E_ERROR_LIMIT").length, 1);
  assert.equal(calls, 1);
  const again = validate(`${HEAD}spec:\n  sources:\n${components}\n`, { filename: "p.yaml", cue: engine });
  assert.deepEqual(again.diagnostics, result.diagnostics);
});

Deno.test("validate() checks a file of 900 documents, every one, in one CUE call", async () => {
  let evaluations = 0;
  const engine = await cue();
  const counting: CueEngine = { ...engine, check: (...args) => (evaluations++, engine.check(...args)) };
  // 900 documents of 11 values each: just under the 10,000 values a file may hold.
  const docs = Array.from({ length: 900 }, (_, i) => `---\n${HEAD.replace("name: x", `name: p${i}`)}spec: {sources: [{id: s, image: i${i === 500 ? ", replicas: -1" : ""}}]}\n`);
  const result = validate(docs.join(""), { filename: "p.yaml", cue: counting });
  assert.equal(result.pipelines.length, 899);
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.path]), [["E_VALUE", "spec.sources[0].replicas"]]);
  assert.equal(evaluations, 1, `${evaluations} CUE calls`);
});

Deno.test("validate() keeps a byte order mark (U+FEFF) inside a value byte for byte", async () => {
  const result = validate(`${HEAD}spec:\n  sources:\n    - id: s\n      image: "i\ufeffx"\n      env: {A: "b\ufeffc"}\n`, {
    filename: "p.yaml",
    cue: await cue(),
  });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  assert.equal(result.pipelines[0].components[0].image, "i\ufeffx");
  assert.equal(result.pipelines[0].components[0].env.A.value, "b\ufeffc");
});

Deno.test("validate() reports bytes that are not UTF-8 as E_SYNTAX at the first of them", async () => {
  const bytes = new Uint8Array([...new TextEncoder().encode(`${HEAD}spec:\n  sources: [{id: s, image: "é`), 0xc3, 0x22, 0x7d, 0x5d, 0x0a]);
  const result = validate(bytes, { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line, d.column, d.message]), [
    ["E_SYNTAX", 5, 30, "byte 0xC3 is not UTF-8, and flowctl reads UTF-8 text only"],
  ]);
  // A byte order mark at the start is no error.
  const bom = validate(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(`${HEAD}spec: {sources: [{id: s, image: i}]}\n`)]), {
    filename: "p.yaml",
    cue: await cue(),
  });
  assert.equal(bom.pipelines.length, 1);
});

Deno.test("validate() reports a string with an unpaired surrogate escape as E_SYNTAX at its line", async () => {
  const result = validate(`${HEAD}spec:\n  sources: [{id: s, image: "a\\ud800b"}]\n`, { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line]), [["E_SYNTAX", 5]]);
});

Deno.test("validate() rejects a control character in an id, also in one an upgrade derived from a legacy type", async () => {
  const legacy = validate('source:\n  type: "a\\r\\nb"\nsink:\n  type: s\n  image: i\n', { filename: "old.yaml", cue: await cue() });
  const errors = legacy.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.line, d.message]);
  assert.deepEqual(errors.filter(([code]) => code === "E_VALUE"), [
    ["E_VALUE", 2, 'id "a\\r\\nb" holds a control character (U+000D)'],
    ["E_VALUE", 4, 'inputs "a\\r\\nb" holds a control character (U+000D)'],
  ]);
  const written = validate(`${HEAD}spec:\n  sources: [{id: "x\\u001b[2Jy", image: i}]\n`, { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(written.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.line, d.message]), [
    ["E_VALUE", 5, 'id "x\\u001b[2Jy" holds a control character (U+001B)'],
  ]);
});

Deno.test("formatDiagnostic() keeps a diagnostic on one line and sends no escape sequence, whatever the value holds", () => {
  const line = formatDiagnostic(diagnostic("W_UNCONSUMED", { file: "a\nb.yaml", line: 1, column: 2, path: "" }, 'id "x\r\ny\x1b[2J\u2028"', "tab\there"));
  assert.equal(line, 'a\\nb.yaml:1:2 warning W_UNCONSUMED: id "x\\r\\ny\\u001b[2J\\u2028" (hint: tab\\there)');
});

Deno.test("the Nomad generator refuses to write a control character into its env template, even from an unchecked IR", async () => {
  const checked = validate(`${HEAD}spec:\n  sources: [{id: src, image: i, env: {PORT: "80"}}]\n  sinks: [{id: out, image: i, inputs: [src]}]\n`, {
    filename: "p.yaml",
    cue: await cue(),
  });
  const ir = structuredClone(checked.pipelines);
  ir[0].components[0].id = "s\rc";
  ir[0].components[1].inputs[0] = "s\rc";
  const out = generate(ir, { target: "nomad" });
  assert.deepEqual(out.files, []);
  assert.deepEqual(out.diagnostics.map((d) => d.code), ["E_INTERNAL"]);
});

Deno.test("translate() keeps every file inside the output folder, whatever the pipelines are named", async () => {
  const doc = (name: string) => `${HEAD.replace("{name: x}", `{name: "${name}"}`)}spec:\n  sources: [{id: s, image: i}]\n`;
  const result = translate({ pipelines: [{ name: "p.yaml", text: [doc("../../evil"), doc("/abs"), doc("..")].join("---\n") }], targets: "all", cue: await cue() });
  const paths = result.files[0].targets.flatMap((t) => t.files.map((f) => f.path));
  assert(paths.length > 0);
  for (const path of paths) assert.match(path, /^(evil|abs|pipeline)\/[a-z0-9.-]+$/);
});

Deno.test("validate() refuses a file of more than 10,000 values at once, before parsing it, and counts none in comments or block text", async () => {
  const entries = (n: number) => Array.from({ length: n }, (_, i) => `        K${i}: "${i}"`).join("\n");
  const envOf = (lines: string) => `${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n      env:\n${lines}\n`;
  // Block style, flow style and documents: each found by the scan, at the value that passes the limit.
  const block = validate(envOf([entries(1999), entries(1999).replaceAll("K", "L"), entries(1999).replaceAll("K", "M"), entries(1999).replaceAll("K", "N"), entries(1999).replaceAll("K", "O"), entries(100).replaceAll("K", "P")].join("\n")), { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(block.diagnostics.map((d) => d.code), ["E_TOO_MANY_ENTRIES"]);
  assert.match(block.diagnostics[0].message, /more than 10000 values/);
  const flow = validate(`${HEAD}spec: {sources: [{id: s, image: i, args: [${Array(20000).fill("a").join(", ")}]}]}\n`, { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(flow.diagnostics.map((d) => d.code), ["E_TOO_MANY_ENTRIES"]);
  // 20,000 lines of comments and of a block scalar are no values.
  const text = `${HEAD}# note\n${"# more\n".repeat(20000)}spec:\n  sources:\n    - id: s\n      image: i\n      args:\n        - |\n${"          line, with: a colon\n".repeat(20000)}`;
  const quiet = validate(text, { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(quiet.diagnostics.filter((d) => d.severity === "error"), []);
  assert.equal(quiet.pipelines[0].components[0].args[0].split("\n").length, 20001);
});
