/**
 * Overlays and --set (compiler/overlay.ts, compiler/set_value.ts) through
 * validate(): what merges, what is replaced, what is deleted, and that every
 * diagnostic points at the file and line that set the value.
 */
import assert from "node:assert/strict";
import { validate } from "../../translate/compile.ts";
import { cue, ROOT } from "../support/helpers.ts";

const base = await Deno.readTextFile(new URL("fixtures/fan_out.yaml", ROOT));

async function layered(overlays: string[], set: string[] = []) {
  return validate(base, {
    filename: "base.yaml",
    cue: await cue(),
    overlays: overlays.map((text, i) => ({ name: `overlay-${i + 1}.yaml`, text })),
    set,
  });
}

const where = (r: Awaited<ReturnType<typeof layered>>) => r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`);

Deno.test("overlay: maps merge, a component changes by id, null deletes, lists are replaced; the base is otherwise kept", async () => {
  const r = await layered([
    `spec:
  processors:
    - id: token-transfers
      replicas: 3
      env: {LOG_LEVEL: debug}
      inputs: [ledger-source]
metadata:
  labels: null
`,
  ]);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  const ir = r.pipelines[0];
  const processor = ir.components.find((c) => c.id === "token-transfers")!;
  assert.equal(processor.replicas, 3);
  assert.equal(processor.image, "docker.io/withobsrvr/ttp-processor:v1.2.0", "what the overlay does not name is the base's");
  assert.equal(processor.env.LOG_LEVEL?.value, "debug");
  assert.deepEqual(Object.keys(ir.labels), []);
  assert.equal(ir.components.length, 4);
});

Deno.test("overlay: each diagnostic points at the file and line that set the value", async () => {
  const r = await layered([`spec:\n  processors:\n    - id: token-transfers\n      replicas: three\n`]);
  assert.deepEqual(where(r).filter((w) => w.includes(" E_")), ["overlay-1.yaml:4:17 E_TYPE"]);
  // The second overlay wins, and the error moves with it.
  const two = await layered([`spec:\n  processors:\n    - id: token-transfers\n      replicas: three\n`, `\n\nspec:\n  processors:\n    - id: token-transfers\n      replicas: -1\n`]);
  assert.deepEqual(where(two).filter((w) => w.includes(" E_")), ["overlay-2.yaml:6:17 E_VALUE"]);
});

Deno.test("overlay: an unknown id is an error with a did-you-mean, unless the entry is a whole component, which is added", async () => {
  const r = await layered([`spec:\n  processors:\n    - id: token-transfer\n      replicas: 2\n`]);
  assert.deepEqual(where(r), ["overlay-1.yaml:3:11 E_OVERLAY"]);
  assert.match(r.diagnostics[0].message, /processor "token-transfer", which the files before it do not have \(did you mean "token-transfers"\?\)/);
  const added = await layered([`spec:\n  sinks:\n    - id: archive\n      image: ghcr.io/acme/archive:1\n      inputs: [token-transfers]\n`]);
  assert.deepEqual(added.diagnostics.filter((d) => d.severity === "error"), []);
  assert.deepEqual(added.pipelines[0].components.map((c) => c.id), ["ledger-source", "token-transfers", "postgres", "duckdb", "archive"]);
  // A cycle an overlay makes is an error at the overlay's line.
  const cycle = await layered([`spec:\n  processors:\n    - id: token-transfers\n      inputs: [postgres]\n`]);
  assert.ok(where(cycle).some((w) => w.startsWith("overlay-1.yaml:4:")), where(cycle).join());
});

Deno.test("--set: a scalar at a path, components by id; errors point at --set; a path that addresses nothing is E_SET_PATH", async () => {
  const r = await layered([], ["processors.token-transfers.replicas=5", "metadata.labels.team=payments", "spec.controlPlane.port=9000"]);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), []);
  assert.equal(r.pipelines[0].components.find((c) => c.id === "token-transfers")!.replicas, 5);
  assert.equal(r.pipelines[0].labels.team.value, "payments");
  assert.equal(r.pipelines[0].controlPlane.port, 9000);
  // --set is laid over the overlays.
  const last = await layered([`spec:\n  processors:\n    - id: token-transfers\n      replicas: 3\n`], ["processors.token-transfers.replicas=4"]);
  assert.equal(last.pipelines[0].components.find((c) => c.id === "token-transfers")!.replicas, 4);
  const bad = await layered([], ["processors.token-transfers.replicas=lots"]);
  assert.deepEqual(where(bad).filter((w) => w.includes(" E_")), ["--set:1:37 E_TYPE"]);
  const nothing = await layered([], ["processors.token-transfer.replicas=2", "metadata.name.x=1", "processors.token-transfers.inputs.7=a"]);
  assert.deepEqual(nothing.diagnostics.map((d) => d.code), ["E_SET_PATH", "E_SET_PATH", "E_SET_PATH"]);
  assert.match(nothing.diagnostics.map((d) => d.message).join("\n"), /no processor has id "token-transfer" \(did you mean "token-transfers"\?\)/);
});
