/**
 * Golden files: every fixture × every registered target → golden/<fixture>/<target>/…,
 * plus diagnostics.txt when there are diagnostics; every invalid fixture →
 * golden/invalid/<case>/diagnostics.txt; every fixture in fixtures/with_flags/,
 * translated with a prefix and an image registry (WITH_FLAGS), →
 * golden/with_flags/<fixture>/<target>/…, and every fixture in
 * fixtures/with_options/, translated with target options (WITH_OPTIONS), →
 * golden/with_options/<fixture>/<target>/…, and the fixtures of GRAPH_FIXTURES →
 * golden/<fixture>/graph/<pipeline>.{mmd,dot,svg}, the files `flowctl graph
 * --output-dir` writes in each format. A mismatch prints a unified diff.
 * `deno task golden:update` (UPDATE_GOLDEN=1) rewrites them and deletes the
 * ones no fixture makes any more. Every compose file is also checked against
 * the Compose schema, every Kubernetes object against the strict Kubernetes
 * schema, every Nomad job by the HCL parser and Nomad's block table (the
 * shell scripts by shellcheck and bash, in tests/integration/shellcheck_test.ts),
 * and every env value, command word and argument is read back as the target
 * reads it (tests/support/round_trip.ts): YAML, Kubernetes' $(…) expansion, bash.
 */
import assert from "node:assert/strict";
const { fail } = assert;
import { createTwoFilesPatch } from "diff";
import { compile, generate, validate } from "../../translate/compile.ts";
import { formatDiagnostic, sortDiagnostics } from "../../compiler/diagnostics.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { composeErrors } from "../support/compose_schema.ts";
import { kubernetesErrors } from "../support/kubernetes_check.ts";
import { checkComposeValues, checkKubernetesValues, checkLocalValues } from "../support/round_trip.ts";
import { nomadErrors } from "../support/nomad_check.ts";
import { cue, fixtureFiles, ROOT } from "../support/helpers.ts";
import { applyPrefixAndRegistry, type PrefixAndRegistry } from "../../translate/prefix_registry.ts";
import type { GeneratorOptions } from "../../generators/generator.ts";
import { topologyOf } from "../../generators/shared/topology.ts";
import { folderName } from "../../translate/compile.ts";
import { GRAPH_FORMATS } from "../../cli/graph.ts";
import { svgProblems } from "../support/svg_check.ts";

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";
const registry = defaultRegistry();
const GOLDEN = new URL("golden/", ROOT);
/** What fixtures/with_flags/ is translated with: `--prefix dev --registry registry.example.com/acme`. */
const WITH_FLAGS: Flags = { prefix: "dev", imageRegistry: "registry.example.com/acme" };
/** What fixtures/with_options/ is translated with: every target gets them, so those that cannot honour one say so. */
const WITH_OPTIONS: Flags = { generatorOptions: { "network-policies": true } };

type Flags = PrefixAndRegistry & { generatorOptions?: GeneratorOptions };

/** The fixture folders with golden files: where each fixture's goldens go, and what it is translated with. */
const VALID_SETS = [
  { folder: "fixtures", golden: "", flags: {} },
  { folder: "fixtures/with_flags", golden: "with_flags/", flags: WITH_FLAGS },
  { folder: "fixtures/with_options", golden: "with_options/", flags: WITH_OPTIONS },
] as const satisfies readonly { folder: string; golden: string; flags: Flags }[];

/**
 * The fixtures whose pictures (flowctl graph) are golden: every kind of component, fan-out, fan-in
 * and a diamond, ids and labels that need escaping, commands as labels, and several pipelines in a file.
 */
const GRAPH_FIXTURES = [
  "commands.yaml",
  "diamond.yaml",
  "fan_in.yaml",
  "fan_out.yaml",
  "multi_document.yaml",
  "spec_pipelines.yaml",
  "tricky_ids.yaml",
  "tricky_strings.yaml",
];

/** The pictures of a fixture, by path under golden/, as `flowctl graph --output-dir` names them in each format. */
async function graphGoldens(fixture: string): Promise<Map<string, string>> {
  const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
  const { pipelines } = validate(text, { filename: `fixtures/${fixture}`, cue: await cue() });
  const out = new Map<string, string>();
  const name = fixture.replace(/\.(ya?ml|json)$/, "");
  for (const { extension, render } of Object.values(GRAPH_FORMATS)) {
    const used = new Set<string>();
    for (const ir of pipelines) {
      let file = folderName(ir.name);
      for (let n = 2; used.has(file); n++) file = `${folderName(ir.name)}-${n}`;
      used.add(file);
      out.set(`${name}/graph/${file}.${extension}`, render(topologyOf(ir)));
    }
  }
  return out;
}

function diagnosticsText(ds: Parameters<typeof formatDiagnostic>[0][]): string {
  return ds.map(formatDiagnostic).join("\n") + "\n";
}

/** What golden/ must hold (relative path → content), computed from the fixtures and the registry alone. */
async function expectedGoldens(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { folder, golden, flags } of VALID_SETS) {
    for (const fixture of await fixtureFiles(folder)) {
      const name = golden + fixture.replace(/\.(ya?ml|json)$/, "");
      const text = await Deno.readTextFile(new URL(`${folder}/${fixture}`, ROOT));
      const checked = validate(text, { filename: `${folder}/${fixture}`, cue: await cue() });
      for (const target of registry.names()) {
        const generated = generate(checked.pipelines, { target, registry, ...flags });
        const diagnostics = sortDiagnostics([...checked.diagnostics, ...generated.diagnostics]);
        for (const f of generated.files) out.set(`${name}/${target}/${f.path}`, f.content);
        if (diagnostics.length) out.set(`${name}/${target}/diagnostics.txt`, diagnosticsText(diagnostics));
      }
    }
  }
  for (const fixture of GRAPH_FIXTURES) for (const [path, content] of await graphGoldens(fixture)) out.set(path, content);
  for (const fixture of await fixtureFiles("fixtures/invalid")) {
    const name = fixture.replace(/\.(ya?ml|json)$/, "");
    const text = await Deno.readTextFile(new URL(`fixtures/invalid/${fixture}`, ROOT));
    const result = compile(text, { filename: `fixtures/invalid/${fixture}`, cue: await cue(), registry });
    out.set(`invalid/${name}/diagnostics.txt`, diagnosticsText(result.diagnostics));
  }
  return out;
}

/** Every file under golden/, relative, sorted. */
async function goldenFiles(dir = GOLDEN, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) found.push(...await goldenFiles(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`));
    else found.push(prefix + e.name);
  }
  return found.sort();
}

async function check(relative: string, actual: string) {
  const url = new URL(relative, GOLDEN);
  if (UPDATE) {
    await Deno.mkdir(new URL(".", url), { recursive: true });
    await Deno.writeTextFile(url, actual);
    return;
  }
  const want = await Deno.readTextFile(url).then((t) => t.replaceAll("\r\n", "\n"), () => undefined);
  if (want === undefined) fail(`missing golden file golden/${relative}; run deno task golden:update`);
  if (want !== actual) {
    fail(`golden/${relative} differs (run deno task golden:update if intended):\n` +
      createTwoFilesPatch(`golden/${relative}`, "generated", want!, actual));
  }
}

for (const { folder, golden, flags } of VALID_SETS) for (const fixture of await fixtureFiles(folder)) {
  const name = golden + fixture.replace(/\.(ya?ml|json)$/, "");
  for (const target of registry.names()) {
    Deno.test(`golden: ${golden}${fixture} → ${target}`, async () => {
      const text = await Deno.readTextFile(new URL(`${folder}/${fixture}`, ROOT));
      const result = compile(text, { filename: `${folder}/${fixture}`, cue: await cue(), target, registry, ...flags });
      // Values are read back against the IR as the target got it: with the prefix and registry applied.
      const pipelines = result.pipelines.map((p) => applyPrefixAndRegistry(p, flags));
      for (const f of result.files) {
        await check(`${name}/${target}/${f.path}`, f.content);
        if (target === "docker-compose") {
          assert.deepEqual(await composeErrors(f.content), [], `${f.path} breaks the Compose Specification schema`);
          checkComposeValues(f.content, pipelines.find((p) => f.path.startsWith(p.name) || pipelines.length === 1)!);
        }
        if (target === "nomad") assert.deepEqual(await nomadErrors(f.path, f.content), [], `${f.path} breaks Nomad's block table`);
        if (target === "local") await checkLocalValues(f.content, pipelines.find((p) => f.path.startsWith(`${p.name}/`)) ?? pipelines[0]);
      }
      if (target === "kubernetes") {
        // Each pipeline's objects are applied on their own (a folder each when a file holds several).
        const folders = Map.groupBy(result.files, (f) => f.path.includes("/") ? f.path.slice(0, f.path.indexOf("/")) : "");
        for (const [sub, files] of folders) {
          assert.deepEqual(await kubernetesErrors(files.map((f) => f.content)), [], `kubernetes objects of ${name}/${sub}`);
          const ir = pipelines.find((p) => p.name === sub) ?? pipelines[0];
          checkKubernetesValues(files.map((f) => f.content), ir);
        }
      }
      if (result.diagnostics.length) await check(`${name}/${target}/diagnostics.txt`, diagnosticsText(result.diagnostics));
      // Determinism: a second run is byte-identical.
      const again = compile(text, { filename: `${folder}/${fixture}`, cue: await cue(), target, registry, ...flags });
      assert.deepEqual(again.files, result.files);
    });
  }
}

for (const fixture of await fixtureFiles("fixtures/invalid")) {
  const name = fixture.replace(/\.(ya?ml|json)$/, "");
  Deno.test(`golden: invalid/${fixture} diagnostics`, async () => {
    const text = await Deno.readTextFile(new URL(`fixtures/invalid/${fixture}`, ROOT));
    const result = compile(text, { filename: `fixtures/invalid/${fixture}`, cue: await cue(), registry });
    assert(result.diagnostics.some((d) => d.severity === "error"), "an invalid fixture must give an error");
    assert.equal(result.files.length, 0, "no files when there are errors");
    await check(`invalid/${name}/diagnostics.txt`, diagnosticsText(result.diagnostics));
  });
}

for (const fixture of GRAPH_FIXTURES) {
  Deno.test(`golden: ${fixture} → graph (mermaid, dot, svg)`, async () => {
    const pictures = await graphGoldens(fixture);
    assert(pictures.size >= 3, "a picture in each format");
    const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
    const { pipelines } = validate(text, { filename: `fixtures/${fixture}`, cue: await cue() });
    for (const [path, content] of pictures) {
      await check(path, content);
      if (path.endsWith(".svg")) {
        const ir = pipelines.find((p) => path.endsWith(`/${folderName(p.name)}.svg`))!;
        assert.deepEqual(svgProblems(content, topologyOf(ir)).problems, [], path);
      }
    }
    // Determinism: a second run is byte-identical.
    assert.deepEqual(await graphGoldens(fixture), pictures);
  });
}

// Judged from the fixtures alone, not from which tests ran, so it holds under --filter and in
// update mode too, where it first writes what is missing and deletes what no fixture makes any more.
Deno.test("golden: golden/ holds exactly the files the fixtures make", async () => {
  const expected = await expectedGoldens();
  if (UPDATE) {
    for (const path of await goldenFiles()) if (!expected.has(path)) await Deno.remove(new URL(path, GOLDEN));
    await removeEmptyFolders(GOLDEN);
    for (const [path, content] of expected) await check(path, content);
  }
  const present = await goldenFiles();
  assert.deepEqual(present.filter((f) => !expected.has(f)), [], "golden files no fixture makes: run deno task golden:update, which deletes them");
  assert.deepEqual([...expected.keys()].filter((f) => !present.includes(f)).sort(), [], "golden files missing: run deno task golden:update");
});

async function removeEmptyFolders(dir: URL): Promise<boolean> {
  let empty = true;
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory && await removeEmptyFolders(new URL(`${e.name}/`, dir))) await Deno.remove(new URL(`${e.name}/`, dir));
    else empty = false;
  }
  return empty;
}

// Validation alone agrees with compile on every fixture.
Deno.test("golden: validate() accepts every valid fixture", async () => {
  for (const fixture of await fixtureFiles("fixtures")) {
    const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
    const result = validate(text, { filename: fixture, cue: await cue() });
    assert.equal(result.diagnostics.filter((d) => d.severity === "error").length, 0, fixture);
  }
});
