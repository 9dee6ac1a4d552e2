/** Kubernetes behaviour the goldens do not show on their own: options, names, selectors, and that the checker bites. */
import assert from "node:assert/strict";
import { kubernetesExpand } from "../support/kubernetes_check.ts";
import { parseAllDocuments } from "yaml";
import { compile } from "../../translate/compile.ts";
import { defaultRegistry, kubernetes } from "../../generators/mod.ts";
import type { GeneratorOptions } from "../../generators/generator.ts";
import { kubernetesErrors } from "../support/kubernetes_check.ts";
import { cue, ROOT } from "../support/helpers.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const registry = defaultRegistry();

async function k8s(text: string, generatorOptions: GeneratorOptions = {}) {
  const result = compile(text, { filename: "p.yaml", cue: await cue(), registry, target: "k8s", generatorOptions });
  const objects: Any[] = result.files.map((f) => parseAllDocuments(f.content)[0].toJS());
  return { ...result, objects };
}

const fixture = (name: string) => Deno.readTextFile(new URL(`fixtures/${name}`, ROOT));
const pipeline = (body: string) => `apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n${body}`;

Deno.test("kubernetes: the checker rejects an unknown field, a bad enum, a selector that misses, a bad name", async () => {
  const deployment = (await k8s(await fixture("linear.yaml"))).objects
    .find((o) => o.kind === "Deployment" && o.metadata.name !== "flowctl-control-plane");
  const broken = (change: (o: Any) => void) => {
    const copy = structuredClone(deployment);
    change(copy);
    return kubernetesErrors([JSON.stringify(copy)]);
  };
  assert.deepEqual(await kubernetesErrors([JSON.stringify(deployment)]), []);
  assert.match((await broken((o) => o.spec.template.spec.containers[0].imagee = "x")).join(), /additional properties/);
  assert.match((await broken((o) => o.spec.template.spec.containers[0].imagePullPolicy = "Sometimes")).join(), /kubernetes-models/);
  assert.match((await broken((o) => o.spec.selector.matchLabels.extra = "x")).join(), /does not match the pod labels/);
  assert.match((await broken((o) => o.metadata.name = "Bad_Name")).join(), /DNS-1123/);
  assert.match((await broken((o) => o.spec.replicas = "3")).join(), /integer/);
});

Deno.test("kubernetes: ids that sanitize to one name are an error at both components' lines", async () => {
  const r = await k8s(pipeline("  sources:\n    - {id: My_Src, image: a:1}\n    - {id: my-src, image: b:1}\n"));
  const clashes = r.diagnostics.filter((d) => d.code === "E_NAME_COLLISION");
  assert.deepEqual(clashes.map((d) => d.line), [6, 7]);
  assert.equal(r.files.length, 0);
});

Deno.test("kubernetes: command-only components are an error with a hint", async () => {
  const r = await k8s(await fixture("commands.yaml"));
  const d = r.diagnostics.find((x) => x.code === "E_TARGET_UNSUPPORTED")!;
  assert.match(d.hint, /-t nomad/);
});

Deno.test("kubernetes: namespace from metadata, --namespace, --create-namespace (never default)", async () => {
  const text = await fixture("volumes_cluster.yaml");
  const plain = await k8s(text);
  assert(plain.objects.every((o) => o.metadata.namespace === "ingest"));
  assert(!plain.objects.some((o) => o.kind === "Namespace"));
  const created = await k8s(text, { "create-namespace": true });
  assert.equal(created.files[0].path, "01-namespace-ingest.yaml");
  const other = await k8s(text, { namespace: "elsewhere", "create-namespace": true });
  assert(other.objects.every((o) => o.kind === "Namespace" || o.metadata.namespace === "elsewhere"));
  assert(other.objects.some((o) => o.kind === "Deployment" && JSON.stringify(o).includes("svc.cluster.local")));
  const onDefault = await k8s(await fixture("linear.yaml"), { "create-namespace": true });
  assert(!onDefault.objects.some((o) => o.kind === "Namespace"), "no Namespace object for default");
  const bad = await k8s(text, { namespace: "Not_Valid" });
  assert.equal(bad.diagnostics.find((d) => d.severity === "error")?.code, "E_TARGET_OPTION");
});

Deno.test("kubernetes: claims get the configured size and class; replicas 0 stays 0", async () => {
  const r = await k8s(await fixture("volumes_cluster.yaml"), { "volume-size": "5Gi", "storage-class": "fast" });
  const claims = r.objects.filter((o) => o.kind === "PersistentVolumeClaim");
  assert.deepEqual(claims.map((c) => c.metadata.name), ["flowctl-control-plane-data", "results", "shared-cache"]);
  assert(claims.every((c) => c.spec.resources.requests.storage === "5Gi" && c.spec.storageClassName === "fast"));
  const paused = (await k8s(await fixture("resources_replicas.yaml"))).objects.find((o) => o.metadata.name === "paused" && o.kind === "Deployment");
  assert.equal(paused.spec.replicas, 0);
  const badSize = await k8s(await fixture("linear.yaml"), { "volume-size": "lots" });
  assert(badSize.diagnostics.some((d) => d.code === "E_TARGET_OPTION"));
});

Deno.test("kubernetes: selectors stay the same when the pipeline gains labels", async () => {
  const text = await fixture("linear.yaml");
  const before = (await k8s(text)).objects.filter((o) => o.kind === "Deployment").map((o) => o.spec.selector);
  const labelled = text.replace(/metadata:\n {2}name: (\S+)/, "metadata:\n  name: $1\n  labels: {team: new, tier: gold}");
  assert.notEqual(labelled, text);
  const after = await k8s(labelled);
  assert(after.objects.some((o) => o.metadata.labels?.tier === "gold"));
  assert.deepEqual(after.objects.filter((o) => o.kind === "Deployment").map((o) => o.spec.selector), before);
});

Deno.test("kubernetes: invalid pipeline labels are errors at the label's line", async () => {
  const r = await k8s(await fixture("tricky_strings.yaml"));
  const d = r.diagnostics.find((x) => x.code === "E_TARGET_UNSUPPORTED")!;
  assert.equal(d.line, 8);
  assert.match(d.message, /cost/);
});

Deno.test("kubernetes: files come in apply order, and concat makes one multi-document stream", async () => {
  const r = await k8s(await fixture("volumes_cluster.yaml"), { "create-namespace": true });
  const kinds = r.files.map((f) => f.path.split("-")[1]);
  const order = ["namespace", "persistentvolumeclaim", "service", "deployment"];
  assert.deepEqual(kinds, [...kinds].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  const stream = kubernetes.concat!(r.files);
  assert.equal(parseAllDocuments(stream).length, r.files.length);
  assert.deepEqual(await kubernetesErrors([stream]), []);
});

Deno.test("kubernetesExpand() follows Kubernetes' rules, so the round trip in the golden test can fail", () => {
  const env = new Map([["A", "1"]]);
  const cases: [string, string][] = [
    ["$(A)", "1"],
    ["$$(A)", "$(A)"],
    ["$(B)", "$(B)"],
    ["$$5", "$5"],
    ["$5", "$5"],
    ["x$", "x$"],
    ["$(A", "$(A"],
    ["$$$$", "$$"],
  ];
  for (const [input, seen] of cases) assert.equal(kubernetesExpand(input, env), seen, input);
});
