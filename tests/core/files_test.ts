/**
 * Component files (`files: [{path, content | source}]`): a source is read by
 * the host relative to the pipeline file, never by the core; what cannot be
 * read is E_FILE_SOURCE at its line; the text arrives byte for byte (the
 * goldens of fixtures/files.yaml read every target's output back).
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { validate } from "../../translate/compile.ts";
import { cue } from "../support/helpers.ts";
import { runCli } from "../support/memory_io.ts";

const pipeline = (files: string) => `apiVersion: flowctl/v1
kind: Pipeline
metadata: {name: cfg}
spec:
  sources:
    - id: app
      image: example/app:1
      files:
${files}`;

Deno.test("files: a source is read beside the pipeline file by the CLI, and its bytes reach the output", async () => {
  const text = "a = 1\r\nb = \"${x} {{ y }} %{ z }\"";
  const r = await runCli(["translate", "-f", "cfg/pipeline.yaml", "-o", "k8s"], {
    "cfg/pipeline.yaml": pipeline("        - {path: /etc/app.toml, source: app.toml}\n"),
    "cfg/app.toml": text,
  });
  assert.equal(r.code, 0, r.stderr);
  const configMap = r.stdout.split("\n---\n").map((d) => parse(d)).find((o) => o.kind === "ConfigMap");
  assert.equal(configMap.data["file-1"], text);
});

Deno.test("files: a source that is missing, not UTF-8 or not given to the core is E_FILE_SOURCE at its line; both or neither of content and source is E_VALUE", async () => {
  const missing = await runCli(["validate", "cfg/pipeline.yaml"], { "cfg/pipeline.yaml": pipeline("        - {path: /etc/a, source: gone.toml}\n") });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^cfg\/pipeline\.yaml:9:34 error E_FILE_SOURCE: cannot read file source "gone\.toml" \(relative to the pipeline file\)/m);
  const binary = await runCli(["validate", "cfg/pipeline.yaml"], {
    "cfg/pipeline.yaml": pipeline("        - {path: /etc/a, source: a.bin}\n"),
    "cfg/a.bin": new Uint8Array([0xff, 0xfe, 0x00]),
  });
  assert.match(binary.stderr, /E_FILE_SOURCE: file source "a\.bin" is not UTF-8 text/);
  // The library without sources (the web service, a browser) reads no files.
  const core = validate(pipeline("        - {path: /etc/a, source: a.toml}\n"), { filename: "p.yaml", cue: await cue() });
  const errors = (r: { diagnostics: { code: string; line: number; severity: string; message: string }[] }) => r.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors(core).map((d) => [d.code, d.line]), [["E_FILE_SOURCE", 9]]);
  assert.match(errors(core)[0].message, /is not read here \(this host reads no files\)/);
  const both = validate(pipeline("        - {path: /etc/a, source: a.toml, content: x}\n        - {path: /etc/b}\n        - {path: /etc/b, content: y}\n"), {
    filename: "p.yaml",
    cue: await cue(),
  });
  assert.deepEqual(errors(both).map((d) => [d.code, d.line]), [["E_VALUE", 9], ["E_VALUE", 10], ["E_VALUE", 11]]);
  const relative = validate(pipeline("        - {path: etc/a, content: x}\n"), { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(errors(relative).map((d) => d.code), ["E_VALUE"]);
});
