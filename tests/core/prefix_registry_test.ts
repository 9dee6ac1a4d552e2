/**
 * The request's name prefix and image registry (the CLI's --prefix and
 * --registry): checked as request problems, applied to the IR every target
 * sees, honoured by each built-in target, and refused by a target that does
 * not say how it applies a prefix. The goldens in golden/with_flags/ show the
 * whole output of each target.
 */
import assert from "node:assert/strict";
import type { PipelineIR } from "../../compiler/ir.ts";
import { declareFidelity, dropped } from "../../generators/fidelity.ts";
import type { Generator } from "../../generators/generator.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { generate, validate } from "../../translate/compile.ts";
import { applyPrefixAndRegistry, controlPlaneImageProblem, prefixProblem, registryProblem, withRegistry } from "../../translate/prefix_registry.ts";
import { describeProblem, resolveRequest } from "../../translate/request.ts";
import { translate } from "../../translate/translate.ts";
import { cue, ROOT } from "../support/helpers.ts";

const text = await Deno.readTextFile(new URL("fixtures/with_flags/prefix_registry.yaml", ROOT));
const linear = await Deno.readTextFile(new URL("fixtures/linear.yaml", ROOT));

Deno.test("withRegistry() puts the registry before images that name none, as the Go flowctl did", () => {
  assert.equal(withRegistry("postgres:16", "ghcr.io/acme"), "ghcr.io/acme/postgres:16");
  assert.equal(withRegistry("postgres", "localhost:5000/"), "localhost:5000/postgres", "a trailing / is not doubled");
  assert.equal(withRegistry("redis@sha256:0123", "r.example.com"), "r.example.com/redis@sha256:0123");
  assert.equal(withRegistry("acme/sink:1", "ghcr.io/acme"), "acme/sink:1", "an organisation is kept");
  assert.equal(withRegistry("docker.io/withobsrvr/x:v1", "ghcr.io/acme"), "docker.io/withobsrvr/x:v1");
});

Deno.test("prefix and registry values that no target could use are request problems, in each host's words", () => {
  for (const good of ["dev", "team-a", "a1", "x".repeat(40)]) assert.equal(prefixProblem(good), undefined, good);
  for (const bad of ["", "Dev", "dev_1", "-dev", "dev-", "1dev", "dev.x", "../x", "x".repeat(41)]) assert.ok(prefixProblem(bad), bad);
  for (const good of ["ghcr.io/acme", "localhost:5000", "registry.example.com/team/sub", "withobsrvr", "ghcr.io/acme/"]) {
    assert.equal(registryProblem(good), undefined, good);
  }
  for (const bad of ["", "/", "ghcr.io/Acme", "a b", "ghcr.io/acme:1.0", "host:port", "ghcr.io//acme", "x@sha256"]) assert.ok(registryProblem(bad), bad);

  const { problems } = resolveRequest({ targets: ["nomad"], prefix: "Dev", imageRegistry: "a b" });
  assert.deepEqual(problems.map((p) => p.field), ["prefix", "registry"]);
  assert.equal(
    describeProblem(problems[0], (o) => `--${o}`, () => ""),
    `--prefix "Dev" cannot start names on every target: use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most 40 (e.g. "dev" or "team-a")`,
  );
  assert.match(describeProblem(problems[1], (o) => o, () => ""), /^registry "a b" is not a registry to put before image names: give a host/);
  assert.deepEqual(resolveRequest({ targets: ["nomad"], prefix: "dev", imageRegistry: "ghcr.io/acme" }).problems, []);
});

Deno.test("translate() refuses a bad prefix or registry before compiling anything", async () => {
  const result = translate({ pipelines: [{ name: "p.yaml", text }], prefix: "dev_1", cue: await cue() });
  assert.deepEqual(result.files, []);
  assert.deepEqual(result.problems.map((p) => p.field), ["prefix"]);
});

Deno.test("applyPrefixAndRegistry() changes images without a / and records the prefix; the file's IR is left as it was", async () => {
  const [ir] = validate(text, { filename: "p.yaml", cue: await cue() }).pipelines;
  const before = structuredClone(ir);
  const applied = applyPrefixAndRegistry(ir, { prefix: "dev", imageRegistry: "ghcr.io/acme" });
  assert.deepEqual(ir, before, "the IR given is not changed");
  assert.equal(applied.prefix, "dev");
  assert.deepEqual(applied.components.map((c) => c.image), [
    "ghcr.io/acme/stellar-live-source:v1.0.0",
    "docker.io/withobsrvr/ttp-processor:v1.2.0",
    "ghcr.io/acme/postgres:16",
    "ghcr.io/acme/archiver:2",
  ]);
  assert.equal(applied.controlPlane.image, "flowctl/control-plane:0.1.0", "the default control plane names an organisation");
  assert.equal(applyPrefixAndRegistry(ir, {}), ir);
  const ownPlane = { ...ir, controlPlane: { ...ir.controlPlane, image: "controlplane:dev" } };
  assert.equal(applyPrefixAndRegistry(ownPlane, { imageRegistry: "ghcr.io/acme" }).controlPlane.image, "ghcr.io/acme/controlplane:dev");
});

Deno.test("every built-in target starts what it names with the prefix and pulls images from the registry", async () => {
  const checked = validate(text, { filename: "p.yaml", cue: await cue() });
  const flags = { prefix: "dev", imageRegistry: "ghcr.io/acme" };
  const out = (target: string) => {
    const r = generate(checked.pipelines, { target, ...flags });
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === "error"), [], target);
    return r.files;
  };
  const compose = out("docker-compose")[0].content;
  assert.match(compose, /^name: dev-ledger\n/m);
  assert.match(compose, /image: ghcr\.io\/acme\/postgres:16\n/);
  assert.match(compose, /image: ghcr\.io\/acme\/archiver:2\n/);

  const k8s = out("kubernetes");
  assert.deepEqual(k8s.map((f) => f.path).filter((p) => !/-dev-/.test(p)), [], "every Kubernetes object is named dev-…");
  const sink = k8s.find((f) => f.path === "04-deployment-dev-postgres.yaml")!.content;
  assert.match(sink, /claimName: dev-pgdata\n/);
  assert.match(sink, /FLOWCTL_ENDPOINT\n {14}value: dev-flowctl-control-plane\.default\.svc\.cluster\.local:8080\n/);
  assert.match(sink, /app\.kubernetes\.io\/instance: dev-ledger\n/);

  const [nomad] = out("nomad");
  assert.equal(nomad.path, "dev-ledger.nomad.hcl");
  assert.match(nomad.content, /^job "dev-ledger" \{$/m);
  assert.match(nomad.content, /source = "dev-pgdata"/);
  assert.match(nomad.content, /image = "ghcr\.io\/acme\/stellar-live-source:v1\.0\.0"/);

  const [local] = out("local");
  assert.match(local.content, /--name flowctl-dev-ledger-postgres .* -v dev-ledger_pgdata:\/var\/lib\/postgresql\/data ghcr\.io\/acme\/postgres:16$/m);

  // Without the flags, nothing of either shows.
  for (const target of ["docker-compose", "kubernetes", "nomad", "local"]) {
    const plain = generate(checked.pipelines, { target }).files.map((f) => f.path + f.content).join("\n");
    assert.doesNotMatch(plain, /dev-|ghcr\.io\/acme\/(?!archiver)/, target);
  }
});

Deno.test("--control-plane-image replaces the control plane's image on every target, as given (no registry before it)", async () => {
  const image = "ghcr.io/acme/flowctl/control-plane:0.1.0";
  for (const good of [image, "flowctl/control-plane:0.1.0", "localhost:5000/cp", `cp@sha256:${"a".repeat(64)}`]) assert.equal(controlPlaneImageProblem(good), undefined, good);
  for (const bad of ["", "Ghcr.io/Acme/CP", "a b", "cp:", "cp:tag:tag", "../cp"]) assert.match(controlPlaneImageProblem(bad) ?? "", /^control-plane-image /, bad);
  const checked = validate(text, { filename: "p.yaml", cue: await cue() });
  for (const target of ["docker-compose", "kubernetes", "nomad", "local"]) {
    const r = generate(checked.pipelines, { target, controlPlaneImage: image, imageRegistry: "registry.example.com" });
    const all = r.files.map((f) => f.content).join("\n");
    if (target !== "local") assert.match(all, /ghcr\.io\/acme\/flowctl\/control-plane:0\.1\.0/, target);
    assert.doesNotMatch(all, /(?<!acme\/)flowctl\/control-plane:0\.1\.0|registry\.example\.com\/ghcr/, target);
  }
  // A request with a bad one is refused before anything is compiled, naming the setting.
  const refused = translate({ pipelines: [{ name: "p.yaml", text }], controlPlaneImage: "a b", cue: await cue() });
  assert.deepEqual(refused.problems.map((p) => p.field), ["control-plane-image"]);
  assert.match(describeProblem(refused.problems[0], (o) => `--${o}`, () => ""), /^--control-plane-image "a b" is not an image reference/);
});

Deno.test("a target that does not say how it applies a prefix refuses one (E_TARGET_OPTION), and still gets the registry", async () => {
  const seen: PipelineIR[] = [];
  const mine: Generator = {
    name: "mine",
    description: "a library user's target",
    fidelity: declareFidelity({}, dropped("it is a test", "none")),
    generate(ir) {
      seen.push(ir);
      return { files: [{ path: "out.txt", content: ir.components.map((c) => c.image).join("\n") }], diagnostics: [] };
    },
  };
  const registry = defaultRegistry().register(mine);
  const refused = translate({ pipelines: [{ name: "linear.yaml", text: linear }], targets: ["mine"], prefix: "dev", cue: await cue(), registry });
  const [d] = refused.files[0].targets[0].diagnostics;
  assert.equal(d.code, "E_TARGET_OPTION");
  assert.equal(d.severity, "error");
  assert.match(d.message, /^target mine does not say how it applies a name prefix, so it cannot take prefix "dev"$/);
  assert.deepEqual(refused.files[0].targets[0].files, []);
  assert.equal(seen.length, 0, "the generator never ran");

  const pulled = translate({ pipelines: [{ name: "p.yaml", text }], targets: ["mine"], imageRegistry: "ghcr.io/acme", cue: await cue(), registry });
  assert.deepEqual(pulled.files[0].targets[0].diagnostics.filter((x) => x.severity === "error"), []);
  assert.match(pulled.files[0].targets[0].files[0].content, /^ghcr\.io\/acme\/stellar-live-source:v1\.0\.0$/m);
  assert.equal(seen[0].prefix, undefined);
});

Deno.test("generate() called directly checks the values too", async () => {
  const checked = validate(linear, { filename: "linear.yaml", cue: await cue() });
  const out = generate(checked.pipelines, { target: "nomad", prefix: "../x", imageRegistry: "a b" });
  assert.deepEqual(out.diagnostics.map((d) => d.code), ["E_TARGET_OPTION", "E_TARGET_OPTION"]);
  assert.deepEqual(out.files, []);
});
