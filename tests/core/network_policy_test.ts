/**
 * `--network-policies`: what the generated NetworkPolicies admit, worked out
 * from the objects as Kubernetes reads them (a selector picks Deployments'
 * pods; a rule without peers or ports would admit any), for every pair of pods
 * and every port, against the pipeline's inputs; and what the other targets
 * say when asked for them.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { compile } from "../../translate/compile.ts";
import { translate } from "../../translate/translate.ts";
import { resolveRequest } from "../../translate/request.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { kubernetesErrors } from "../support/kubernetes_check.ts";
import { cue, ROOT } from "../support/helpers.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const registry = defaultRegistry();
const FIXTURE = "fixtures/with_options/network_policies.yaml";
const text = await Deno.readTextFile(new URL(FIXTURE, ROOT));

async function objects(
  options: Record<string, boolean> = { "network-policies": true },
  prefix?: string,
): Promise<Any[]> {
  const result = compile(text, {
    filename: FIXTURE,
    cue: await cue(),
    registry,
    target: "kubernetes",
    generatorOptions: options,
    prefix,
  });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  return result.files.map((f) => parseAllDocuments(f.content)[0].toJS());
}

const matches = (labels: Record<string, string> = {}, pod: Record<string, string>) =>
  Object.entries(labels).every(([k, v]) => pod[k] === v);
const podLabels = (d: Any): Record<string, string> => d.spec.template.metadata.labels;
const containerPorts = (d: Any): number[] =>
  d.spec.template.spec.containers.flatMap((c: Any) => (c.ports ?? []).map((p: Any) => p.containerPort));

/** Whether Kubernetes lets `from`'s pods reach `to`'s pods on `port`, given these policies (all in one namespace). */
function admits(policies: Any[], from: Any, to: Any, port: number): boolean {
  const selecting = policies.filter((p) =>
    matches(p.spec.podSelector.matchLabels, podLabels(to)) && p.spec.policyTypes.includes("Ingress")
  );
  if (!selecting.length) return true; // a pod no policy selects is not isolated
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some((rule: Any) =>
      (!rule.from?.length ||
        rule.from.some((peer: Any) => matches(peer.podSelector.matchLabels, podLabels(from)))) &&
      (!rule.ports?.length || rule.ports.some((r: Any) => r.port === port))
    )
  );
}

/** Every (from, to, port) that the policies admit, as `from→to:port`, over the Deployments and their container ports (and 8088, a health-only port). */
function admitted(all: Any[]): string[] {
  const deployments = all.filter((o) => o.kind === "Deployment");
  const policies = all.filter((o) => o.kind === "NetworkPolicy");
  const out: string[] = [];
  for (const to of deployments) {
    for (const port of new Set([...containerPorts(to), 8088])) {
      for (const from of deployments) {
        if (from !== to && admits(policies, from, to, port)) {
          out.push(`${from.metadata.name}→${to.metadata.name}:${port}`);
        }
      }
    }
  }
  return out.sort();
}

/** What should be admitted, from the pipeline's inputs alone: each reader to what it reads (on its Service's ports), each component to the control plane. */
async function expected(): Promise<string[]> {
  const { pipelines: [ir] } = compile(text, {
    filename: FIXTURE,
    cue: await cue(),
    registry,
    target: "kubernetes",
  });
  const ports: Record<string, number[]> = { a: [7001], b: [7002, 7012], c: [7003], d: [7004], e: [] };
  const out = ir.components.flatMap((reader) =>
    reader.inputs.flatMap((input) => ports[input].map((p) => `${reader.id}→${input}:${p}`))
  );
  for (const c of ir.components) {
    out.push(`${c.id}→flowctl-control-plane:8080`, `${c.id}→flowctl-control-plane:8081`);
  }
  return out.sort();
}

Deno.test("network policies: each component admits exactly its consumers on its ports, and the control plane only the components", async () => {
  const all = await objects();
  assert.deepEqual(await kubernetesErrors(all.map((o) => JSON.stringify(o))), []);
  const want = await expected();
  assert.deepEqual(admitted(all), want);
  // Spelled out, so that a mistake in expected() cannot hide one in the generator.
  assert.deepEqual(want.filter((e) => !e.includes("control-plane")), [
    "b→a:7001",
    "c→a:7001",
    "d→b:7002",
    "d→b:7012",
    "d→c:7003",
  ]);
});

Deno.test("network policies: a sink nothing reads and a component without a port admit nothing, kubelet probes aside", async () => {
  const policies = (await objects()).filter((o) => o.kind === "NetworkPolicy");
  for (const name of ["d", "e"]) {
    const p = policies.find((x) => x.metadata.name === name);
    assert.deepEqual(p.spec.policyTypes, ["Ingress"], name);
    assert.deepEqual(p.spec.ingress, [], name);
  }
  // Its health-only port is not opened to its readers.
  assert.deepEqual(policies.find((x) => x.metadata.name === "a").spec.ingress[0].ports, [{ port: 7001 }]);
});

Deno.test("network policies: the check above bites on a policy that admits too much or too little", async () => {
  const all = await objects();
  const want = await expected();
  const broken = (change: (objects: Any[]) => void) => {
    const copy = structuredClone(all);
    change(copy);
    return admitted(copy);
  };
  const byName = (os: Any[], n: string) =>
    os.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === n);
  assert.notDeepEqual(
    broken((os) => delete byName(os, "a").spec.ingress[0].from),
    want,
    "a rule without peers admits every pod",
  );
  assert.notDeepEqual(
    broken((os) => byName(os, "d").spec.ingress = [{}]),
    want,
    "an empty rule admits everything",
  );
  assert.notDeepEqual(broken((os) => byName(os, "b").spec.ingress[0].ports.pop()), want, "a port left out");
  assert.notDeepEqual(
    broken((os) => os.splice(os.indexOf(byName(os, "c")), 1)),
    want,
    "a pod no policy selects is open",
  );
  assert.notDeepEqual(
    broken((os) =>
      delete byName(os, "a").spec.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/name"]
    ),
    want,
    "a peer selected by instance alone takes in every pod of the pipeline",
  );
});

Deno.test("network policies: off by default; names and selectors follow --prefix", async () => {
  assert.equal((await objects({})).some((o) => o.kind === "NetworkPolicy"), false);
  const all = await objects(undefined, "dev");
  const policies = all.filter((o) => o.kind === "NetworkPolicy").map((o) => o.metadata.name).sort();
  assert.deepEqual(policies, all.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name).sort());
  assert.deepEqual(policies, ["dev-a", "dev-b", "dev-c", "dev-d", "dev-e", "dev-flowctl-control-plane"]);
  assert.deepEqual(await kubernetesErrors(all.map((o) => JSON.stringify(o))), []);
});

Deno.test("network policies: compose, nomad and local warn when the option reaches them; alone they refuse it as kubernetes'", async () => {
  const result = translate({
    pipelines: [{ name: FIXTURE, text }],
    targets: "all",
    options: { "network-policies": true },
    cue: await cue(),
    registry,
  });
  const warned = (target: string) =>
    result.files[0].targets.find((t) => t.target === target)!.diagnostics
      .filter((d) => d.code === "W_TARGET_DROPPED" && d.message.includes(`option "network-policies"`));
  assert.match(warned("docker-compose")[0]?.hint ?? "", /its own network/);
  assert.match(warned("nomad")[0]?.hint ?? "", /intentions/);
  assert.equal(warned("local").length, 1);
  assert.equal(warned("kubernetes").length, 0);
  const off = translate({
    pipelines: [{ name: FIXTURE, text }],
    targets: "all",
    options: { "network-policies": false },
    cue: await cue(),
    registry,
  });
  assert.equal(
    off.files[0].targets.flatMap((t) => t.diagnostics).some((d) => d.message.includes("network-policies")),
    false,
  );
  assert.deepEqual(
    resolveRequest({ targets: ["docker-compose"], options: { "network-policies": true } }).problems[0]
      ?.ownedBy,
    ["kubernetes"],
  );
});
