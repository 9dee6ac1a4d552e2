/**
 * translate(): one request → every file × target, as the CLI, the Action and
 * the web service use it; and internal errors as data, whichever stage throws.
 */
import assert from "node:assert/strict";
import { atPlace } from "../../compiler/diagnostics.ts";
import type { CueEngine } from "../../compiler/cue.ts";
import { declareFidelity, dropped } from "../../generators/fidelity.ts";
import type { Generator } from "../../generators/generator.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { generate, validate } from "../../translate/compile.ts";
import { hasFailures, hasInternalErrors, translate } from "../../translate/translate.ts";
import { describeProblem, parseOptionTexts, resolveRequest, targetList } from "../../translate/request.ts";
import { main } from "../../cli/main.ts";
import type { Io } from "../../cli/io.ts";
import { createHandler } from "../../service/handler.ts";
import { cue, ROOT } from "../support/helpers.ts";

const linear = await Deno.readTextFile(new URL("fixtures/linear.yaml", ROOT));
const commands = await Deno.readTextFile(new URL("fixtures/commands.yaml", ROOT));

Deno.test("resolveRequest() names targets canonically, once each, and checks options against the targets chosen", () => {
  assert.deepEqual(resolveRequest({ targets: ["k8s", "kubernetes", "compose", "docker"] }), { targets: ["kubernetes", "docker-compose"], problems: [] });
  assert.deepEqual(resolveRequest({ targets: "all" }).targets, ["docker-compose", "kubernetes", "local", "nomad"]);
  const first = (r: { problems: { message: string }[] }) => r.problems[0]?.message;
  assert.match(first(resolveRequest({ targets: ["helm"] })), /^unknown target "helm"; targets: docker-compose, kubernetes, local, nomad$/);
  const misplaced = resolveRequest({ targets: ["nomad"], options: { "create-namespace": true } }).problems[0];
  assert.deepEqual(misplaced.ownedBy, ["kubernetes"]);
  assert.equal(describeProblem(misplaced, (o) => `--${o}`, (t) => `add -t ${t}`), "--create-namespace is an option of target kubernetes; add -t kubernetes");
  const choice = resolveRequest({ targets: ["nomad"], options: { "command-driver": "java" } }).problems[0];
  assert.equal(describeProblem(choice, (o) => o, () => ""), 'command-driver of target nomad takes one of exec, raw_exec, not "java"');
  assert.deepEqual(resolveRequest({ options: { "create-namespace": true } }).problems, [], "without targets, spec.driver decides: any target's option");
  assert.match(first(resolveRequest({ options: { colour: "red" } })), /no target has an option "colour"/);
});

Deno.test("targetList() and parseOptionTexts() read targets and options as the CLI and the Action give them", () => {
  assert.deepEqual(targetList(" k8s, nomad ,"), ["k8s", "nomad"]);
  assert.equal(targetList("all"), "all");
  assert.equal(targetList(""), undefined);
  const parsed = parseOptionTexts([["cpu-mhz-per-core", "2400"], ["nomad-json", undefined], ["namespace", "etl"], ["create-namespace", "false"]]);
  assert.deepEqual(parsed, { options: { "cpu-mhz-per-core": 2400, "nomad-json": true, namespace: "etl", "create-namespace": false }, problems: [] });
  assert.deepEqual(parseOptionTexts([["namespace", undefined], ["max-restarts", "many"], ["nomad-json", "yes"]]).problems.map((p) => p.message), [
    "option \"namespace\" needs a DNS label: lower-case letters, digits and '-', at most 63",
    'option "max-restarts" needs an integer from 0 to 1000, not "many"',
    'option "nomad-json" needs true or false, not "yes"',
  ]);
});

Deno.test("translate() gives each file its validation and each target its files and diagnostics", async () => {
  const result = translate({
    pipelines: [{ name: "linear.yaml", text: linear }, { name: "commands.yaml", text: commands }],
    targets: ["nomad", "k8s"],
    options: { namespace: "etl" },
    cue: await cue(),
  });
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.files.map((f) => [f.name, f.targets.map((t) => t.target)]), [
    ["linear.yaml", ["nomad", "kubernetes"]],
    ["commands.yaml", ["nomad", "kubernetes"]],
  ]);
  const [first, second] = result.files;
  assert.ok(first.targets.every((t) => t.files.length > 0));
  assert.match(first.targets[1].files.find((f) => f.path.includes("deployment"))!.content, /namespace: etl/);
  // Command-only components: Nomad runs them, Kubernetes cannot.
  assert.ok(second.targets[0].files.length > 0);
  assert.deepEqual(second.targets[1].files, []);
  assert.ok(second.targets[1].diagnostics.some((d) => d.code === "E_TARGET_UNSUPPORTED"));
  assert.ok(hasFailures(result));
  assert.ok(!hasInternalErrors(result));
});

Deno.test("generate() reports a target nothing in the registry has as E_UNKNOWN_TARGET", async () => {
  const checked = validate(linear, { filename: "linear.yaml", cue: await cue() });
  const out = generate(checked.pipelines, { target: "helm" });
  assert.deepEqual(out.diagnostics.map((d) => [d.code, d.file]), [["E_UNKNOWN_TARGET", "linear.yaml"]]);
  assert.deepEqual(out.files, []);
});

/** A generator with a bug in its per-component step, for the third component. */
const buggy: Generator = {
  name: "buggy",
  description: "throws",
  fidelity: declareFidelity({}, dropped("it is a test", "none")),
  generate(ir) {
    for (const c of ir.components) atPlace(c.origin, () => c.id === "sink" && JSON.parse("{"));
    return { files: [], diagnostics: [] };
  },
};

const throwingCue: CueEngine = {
  check: () => {
    throw new TypeError("cannot read properties of undefined");
  },
  openapi: () => ({ error: "unused" }),
};

Deno.test("a throw inside a generator becomes E_INTERNAL at the component it was working on, with a hint to report it", async () => {
  const result = translate({
    pipelines: [{ name: "linear.yaml", text: linear }],
    targets: ["buggy"],
    cue: await cue(),
    registry: defaultRegistry().register(buggy),
  });
  const [internal] = result.files[0].targets[0].diagnostics.filter((d) => d.code === "E_INTERNAL");
  assert.match(internal.message, /^generating buggy failed: SyntaxError: /);
  assert.equal(internal.path, "spec.sinks[0]");
  assert.match(internal.hint, /bug in flowctl; please report it/);
  assert.ok(hasInternalErrors(result));
});

Deno.test("a throw while checking becomes E_INTERNAL at the document, and every entry point says it is a bug", async () => {
  const checked = validate(linear, { filename: "linear.yaml", cue: throwingCue });
  // CUE checks a file's documents together, so the file is the place.
  assert.deepEqual(checked.diagnostics.map((d) => [d.code, d.file, d.line, d.path]), [["E_INTERNAL", "linear.yaml", 1, ""]]);
  assert.match(checked.diagnostics[0].message, /^checking the pipeline failed: TypeError: cannot read properties of undefined$/);

  // The CLI exits 70, not 1 (invalid input) or 2 (usage).
  let stderr = "";
  const io = {
    readFile: () => Promise.resolve(new TextEncoder().encode(linear)),
    stdout: () => {},
    stderr: (t: string) => void (stderr += t),
    env: () => undefined,
    isTerminal: false,
    cue: () => Promise.resolve(throwingCue),
  } as unknown as Io;
  assert.equal(await main(["validate", "linear.yaml"], io), 70);
  assert.equal(await main(["translate", "-f", "linear.yaml"], io), 70);
  assert.match(stderr, /error E_INTERNAL: checking the pipeline failed/);

  // The web service answers 500 with a JSON body that carries the diagnostics.
  const handler = createHandler({ cue: throwingCue });
  for (const path of ["/v1/validate", "/v1/translate"]) {
    const response = await handler(new Request(`http://flowctl.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ source: linear }),
    }));
    assert.equal(response.status, 500, path);
    const body = await response.json();
    assert.equal(body.error.code, "internal");
    assert.equal(body.diagnostics[0].code, "E_INTERNAL");
  }
});
