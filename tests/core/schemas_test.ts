/**
 * What scripts/schemas.ts derives from schemas/pipeline.cue: both files are
 * fresh; the editors' schema is a draft-07 schema ajv compiles, accepts every
 * flowctl/v1 fixture, and rejects what CUE rejects for the rules it can
 * express (unknown keys included), at the same place; the README's
 * yaml-language-server line points at it.
 */
import assert from "node:assert/strict";
import AjvModule from "ajv";
import { parseAllDocuments } from "yaml";
import { validate } from "../../translate/compile.ts";
import { derivedSchemas, OUTPUTS } from "../../scripts/schemas.ts";
import { EMBEDDED, embeddedModule } from "../../scripts/embed_text.ts";
import { cue, fixtureFiles, ROOT } from "../support/helpers.ts";

const derived = await derivedSchemas();
const committed = await Deno.readTextFile(new URL(OUTPUTS.jsonSchema, ROOT));
// A CommonJS module: its class is the default export of the default export.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule.default }).default;
const ajv = new Ajv({ allErrors: true });
const check = ajv.compile(JSON.parse(committed));

Deno.test("schemas: every embedded text is its source's (deno task embed): the CUE the core checks with is pipeline.cue", async () => {
  for (const e of EMBEDDED) {
    const source = await Deno.readTextFile(new URL(e.source, ROOT));
    assert.equal(await Deno.readTextFile(new URL(e.module, ROOT)), embeddedModule(e.source, e.name, source), `${e.module} is stale: run deno task embed`);
  }
});

Deno.test("schemas: the committed JSON Schema and TypeScript types are what deno task schema writes", async () => {
  assert.equal(committed, derived.jsonSchema, `${OUTPUTS.jsonSchema} is stale: run deno task schema`);
  assert.equal(await Deno.readTextFile(new URL(OUTPUTS.types, ROOT)), derived.types, `${OUTPUTS.types} is stale: run deno task schema`);
});

Deno.test("editor schema: every flowctl/v1 fixture passes", async () => {
  let checked = 0;
  for (const name of await fixtureFiles("fixtures")) {
    const text = await Deno.readTextFile(new URL(`fixtures/${name}`, ROOT));
    for (const doc of parseAllDocuments(text, { merge: true })) {
      const data = doc.toJS({ maxAliasCount: 100 });
      // (legacy_hybrid has this header over the older body: an upgrade, not this schema)
      if (data?.apiVersion !== "flowctl/v1" || data?.kind !== "Pipeline" || data?.spec === undefined) continue;
      assert.ok(check(data), `${name}: ${ajv.errorsText(check.errors)}`);
      checked++;
    }
  }
  assert.ok(checked >= 15, `only ${checked} documents checked`);
});

const BASE = {
  apiVersion: "flowctl/v1",
  kind: "Pipeline",
  metadata: { name: "p" },
  spec: { sources: [{ id: "src", image: "busybox" }], sinks: [{ id: "dst", image: "busybox", inputs: ["src"] }] },
};

Deno.test("editor schema: rejects what the CUE schema rejects, at the same place", async () => {
  const cases: [string, (p: typeof BASE & Record<string, unknown>) => void, string][] = [
    ["port out of range", (p) => Object.assign(p.spec.sources[0], { ports: [{ containerPort: 70000 }] }), "/spec/sources/0/ports/0/containerPort"],
    ["empty command", (p) => Object.assign(p.spec.sources[0], { command: [] }), "/spec/sources/0/command"],
    ["unknown protocol", (p) => Object.assign(p.spec.sinks[0], { ports: [{ containerPort: 80, protocol: "HTTP" }] }), "/spec/sinks/0/ports/0/protocol"],
    ["health check without a slash", (p) => Object.assign(p.spec.sources[0], { health_check: "health" }), "/spec/sources/0/health_check"],
    ["blank name", (p) => Object.assign(p.metadata, { name: "  " }), "/metadata/name"],
    ["wrong apiVersion", (p) => Object.assign(p, { apiVersion: "flowctl/v2" }), "/apiVersion"],
    ["bad duration", (p) => Object.assign(p.spec, { controlPlane: { heartbeatTTL: "30 seconds" } }), "/spec/controlPlane/heartbeatTTL"],
    ["negative replicas", (p) => Object.assign(p.spec.sinks[0], { replicas: -1 }), "/spec/sinks/0/replicas"],
    ["a misspelled key", (p) => Object.assign(p.spec.sources[0], { imagee: "busybox" }), "/spec/sources/0"],
    ["an unknown top-level key", (p) => Object.assign(p, { extra: 1 }), ""],
    ["a volume without mountPath or container_path", (p) => Object.assign(p.spec.sinks[0], { volumes: [{ name: "data" }] }), "/spec/sinks/0/volumes/0"],
    ["a misspelled key in resources", (p) => Object.assign(p.spec.sinks[0], { resources: { limit: { cpu: 1 } } }), "/spec/sinks/0/resources"],
  ];
  assert.ok(check(structuredClone(BASE)), ajv.errorsText(check.errors));
  // What CUE accepts, the editor schema accepts too: x- keys (anchors) and container_path for mountPath.
  const accepted = structuredClone(BASE) as typeof BASE & Record<string, unknown>;
  Object.assign(accepted, { "x-defaults": { image: "busybox" } });
  Object.assign(accepted.spec.sinks[0], { volumes: [{ name: "data", container_path: "/data" }] });
  assert.ok(check(accepted), ajv.errorsText(check.errors));
  assert.equal(validate(JSON.stringify(accepted), { filename: "p.json", cue: await cue() }).diagnostics.filter((d) => d.severity === "error").length, 0);
  for (const [what, change, path] of cases) {
    const doc = structuredClone(BASE) as typeof BASE & Record<string, unknown>;
    change(doc);
    assert.equal(check(doc), false, `${what}: the editor schema accepts it`);
    assert.ok(check.errors!.some((e) => e.instancePath === path), `${what}: ${ajv.errorsText(check.errors)}`);
    const cueSays = validate(JSON.stringify(doc), { filename: "p.json", cue: await cue() });
    assert.ok(cueSays.diagnostics.some((d) => d.severity === "error"), `${what}: CUE accepts it`);
  }
});

Deno.test("editor schema: the README shows the yaml-language-server line with a path that exists", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const line = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readme);
  assert.ok(line, "no yaml-language-server line in the README");
  assert.ok(line[1].endsWith("schemas/pipeline.schema.json"));
  await Deno.stat(new URL(line[1].replace(/^(\.\.\/)+/, ""), ROOT));
});
