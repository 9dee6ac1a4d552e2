/**
 * Fidelity conformance: every target's declaration (generators/fidelity.ts)
 * is held against what the target really does, for every settings field of
 * the IR. Starting from fixtures/every_setting.yaml, each field is changed in
 * turn, in the document, and the pipeline translated again:
 *   used     → the target's files change;
 *   partial  → its files or its own diagnostics change;
 *   dropped  → its files stay byte-identical, and the translator warns
 *              (W_TARGET_DROPPED) at the line and column where the fixture
 *              writes the field.
 * A field added to the IR without a change below fails to compile (the
 * table is typed by the IR's settings), and so does a target that does not
 * declare it. The checker itself is shown to fail on targets that lie.
 */
import assert from "node:assert/strict";
import { LineCounter, parse, parseDocument } from "yaml";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import { compile, generate, validate } from "../../translate/compile.ts";
import { BUILTIN_GENERATORS, defaultRegistry } from "../../generators/mod.ts";
import { dropped, type Fidelity, type FidelityScope, used } from "../../generators/fidelity.ts";
import type { Generator } from "../../generators/generator.ts";
import type { Component, Pipeline, PipelineComponent } from "../../schemas/pipeline_types.ts";
import { SETTING_KEYS } from "../../compiler/normalize.ts";
import { cue, ROOT } from "../support/helpers.ts";

const FIXTURE = "fixtures/every_setting.yaml";
const fixtureText = await Deno.readTextFile(new URL(FIXTURE, ROOT));
const baseline = parse(fixtureText) as Pipeline;
const fixtureLines = new LineCounter();
const fixtureDoc = parseDocument(fixtureText, { lineCounter: fixtureLines });

const worker = (doc: Pipeline) => doc.spec.pipelines!.find((c) => c.id === "worker")! as PipelineComponent & Component;
const controlPlane = (doc: Pipeline) => doc.spec.controlPlane!;

/** One change per settings field, made in the document as a user would write it. */
const CHANGES: { [S in FidelityScope]: { readonly [K in keyof Fidelity[S]]-?: (doc: Pipeline) => void } } = {
  pipeline: {
    name: (d) => void (d.metadata.name = "renamed"),
    namespace: (d) => void (d.metadata.namespace = "elsewhere"),
    description: (d) => void (d.spec.description = "Another description"),
    labels: (d) => void (d.metadata.labels!.tier = "gold"),
    annotations: (d) => void (d.metadata.annotations!["example.com/review"] = "done"),
    config: (d) => void (d.spec.config!.region = "us-east"),
  },
  controlPlane: {
    enabled: (d) => void (controlPlane(d).enabled = false),
    image: (d) => void (controlPlane(d).image = "example/control-plane:2"),
    command: (d) => void (controlPlane(d).command = ["server", "--port", "8070"]),
    port: (d) => void (controlPlane(d).port = 8060),
    heartbeatInterval: (d) => void (controlPlane(d).heartbeatInterval = "7s"),
    heartbeatTTL: (d) => void (controlPlane(d).heartbeatTTL = "45s"),
    storage: (d) => void (controlPlane(d).storage = "other-registry"),
    tls: (d) => void (controlPlane(d).tls = { mode: "server" }),
  },
  component: {
    image: (d) => void (worker(d).image = "example/worker:2"),
    command: (d) => void (worker(d).command = ["/worker", "--serve"]),
    args: (d) => void (worker(d).args = ["--slow"]),
    inputs: (d) => void (worker(d).inputs = ["checker"]),
    dependsOn: (d) => void (worker(d).depends_on = []),
    env: (d) => void (worker(d).env!.MODE = "slow"),
    files: (d) => void (worker(d).files = [{ path: "/etc/worker.toml", content: "level = 1\n" }]),
    secrets: (d) => void (worker(d).env!.DB_PASSWORD = { secret: "ledger-db", key: "password" }),
    ports: (d) => void (worker(d).ports![0].containerPort = 50053),
    volumes: (d) => void (worker(d).volumes = [{ name: "scratch", mountPath: "/scratch" }]),
    health: (d) => void (worker(d).health_check = "/alive"),
    replicas: (d) => void (worker(d).replicas = 0),
    resources: (d) => void (worker(d).resources = { requests: { cpu: "500m", memory: "128Mi" } }),
    restartPolicy: (d) => void (worker(d).restart_policy = "no"),
    description: (d) => void (worker(d).description = "Turns ledgers into payments"),
    inputEventTypes: (d) => void (worker(d).inputEventTypes = ["ledger", "trade"]),
    outputEventTypes: (d) => void (worker(d).outputEventTypes = ["payment"]),
    healthEndpoint: (d) => void (worker(d).health_endpoint = "http://worker:8089/alive"),
  },
};

interface Outcome {
  files: string;
  /** The target's own findings, without positions (a changed document moves lines). */
  findings: string[];
}

async function translateDoc(doc: Pipeline, generator: Generator): Promise<Outcome> {
  const checked = validate(JSON.stringify(doc), { filename: "p.json", cue: await cue() });
  assert.deepEqual(checked.diagnostics.filter((d) => d.severity === "error"), [], "the changed document stays valid");
  const registry = defaultRegistry().register(generator);
  const out = generate(checked.pipelines, { target: generator.name, registry });
  return {
    files: JSON.stringify(out.files),
    findings: out.diagnostics.map((d) => `${d.code} ${d.message}`).sort(),
  };
}

/** What is wrong with a generator's declaration, judged by changing each field (empty: it tells the truth). */
async function conformance(generator: Generator): Promise<string[]> {
  const problems: string[] = [];
  const before = await translateDoc(baseline, generator);
  assert.notEqual(before.files, "[]", `${generator.name} translates the fixture`);
  for (const scope of Object.keys(CHANGES) as FidelityScope[]) {
    for (const [field, change] of Object.entries(CHANGES[scope]) as [string, (d: Pipeline) => void][]) {
      const support = (generator.fidelity[scope] as Record<string, Fidelity["component"]["image"] | undefined>)[field];
      if (!support) {
        problems.push(`${scope}.${field}: not declared`);
        continue;
      }
      const doc = structuredClone(baseline);
      change(doc);
      const after = await translateDoc(doc, generator);
      const filesChanged = after.files !== before.files;
      const findingsChanged = JSON.stringify(after.findings) !== JSON.stringify(before.findings);
      if (support.use === "used" && !filesChanged) problems.push(`${scope}.${field}: declared used, but changing it changes no file`);
      if (support.use === "partial" && !filesChanged && !findingsChanged) {
        problems.push(`${scope}.${field}: declared partly used, but changing it changes neither a file nor a diagnostic`);
      }
      if (support.use === "dropped" && filesChanged) problems.push(`${scope}.${field}: declared dropped, but changing it changes the files`);
    }
  }
  return problems;
}

for (const generator of BUILTIN_GENERATORS) {
  Deno.test(`fidelity: ${generator.name} does with every setting what it declares`, async () => {
    assert.deepEqual(await conformance(generator), []);
  });

  Deno.test(`fidelity: ${generator.name} warns at the line and column of every setting it leaves out`, async () => {
    const result = compile(fixtureText, { filename: FIXTURE, cue: await cue(), target: generator.name, registry: defaultRegistry() });
    assert.ok(result.files.length > 0, result.diagnostics.map((d) => d.message).join("\n"));
    const ir = result.pipelines[0];
    const warnings = result.diagnostics.filter((d) => d.code === "W_TARGET_DROPPED");
    const owners = { pipeline: [ir.origins], controlPlane: [ir.controlPlane.origins], component: ir.components.map((c) => c.origins) };
    for (const scope of Object.keys(CHANGES) as FidelityScope[]) {
      for (const [field, support] of Object.entries(generator.fidelity[scope])) {
        if (support.use !== "dropped") continue;
        const written = owners[scope].map((o) => (o as Record<string, Diagnostic | undefined>)[field]).filter((o) => o !== undefined);
        assert.ok(written.length > 0, `${FIXTURE} must write ${scope}.${field}, which ${generator.name} drops, so its warning is tested`);
        for (const where of written) {
          // Where the fixture really writes it, found by the yaml package, not by flowctl's own positions.
          const path = where.path.split(/\.|\[|\]\.?/).filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
          const key = String(path.at(-1));
          const spellings = (SETTING_KEYS[scope] as Record<string, string>)[field].split(", ");
          assert.ok(spellings.some((k) => k.endsWith(key)), `${where.path} is not ${scope}.${field}`);
          const node = fixtureDoc.getIn(path, true) as { range?: [number, number] } | undefined;
          assert.ok(node?.range, `the fixture has no ${where.path}`);
          const { line, col } = fixtureLines.linePos(node.range[0]);
          assert.ok(
            warnings.some((w) => w.line === line && w.column === col && w.path === where.path && w.message.includes(support.why)),
            `no W_TARGET_DROPPED for ${scope}.${field} at ${line}:${col}`,
          );
        }
      }
    }
  });
}

Deno.test("fidelity: every target declares the same fields, and the IR's settings are the ones changed above", () => {
  for (const generator of BUILTIN_GENERATORS) {
    for (const scope of Object.keys(CHANGES) as FidelityScope[]) {
      assert.deepEqual(Object.keys(generator.fidelity[scope]).sort(), Object.keys(CHANGES[scope]).sort(), `${generator.name} ${scope}`);
      assert.deepEqual(Object.keys(SETTING_KEYS[scope]).sort(), Object.keys(CHANGES[scope]).sort(), `SETTING_KEYS ${scope}`);
    }
  }
});

Deno.test("fidelity: the check catches a target whose declaration is not true", async () => {
  const compose = BUILTIN_GENERATORS.find((g) => g.name === "docker-compose")!;
  const lie = (name: string, fidelity: Fidelity): Generator => ({ ...compose, name, aliases: [], fidelity });
  // Claims to use spec.config, which it ignores; claims to drop resources, which it writes.
  const claims = lie("compose-claims", {
    ...compose.fidelity,
    pipeline: { ...compose.fidelity.pipeline, config: used("passed to every component") },
    component: { ...compose.fidelity.component, resources: dropped("not written", "none") },
  });
  assert.deepEqual(await conformance(claims), [
    "pipeline.config: declared used, but changing it changes no file",
    "component.resources: declared dropped, but changing it changes the files",
  ]);
  // Forgets a field altogether (only possible by going around the types).
  const { replicas: _, ...rest } = compose.fidelity.component;
  const forgets = lie("compose-forgets", { ...compose.fidelity, component: rest as Fidelity["component"] });
  assert.deepEqual(await conformance(forgets), ["component.replicas: not declared"]);
});
