/**
 * Proves Kubernetes objects with the API's own rules, pinned to Kubernetes
 * 1.36 (swagger) and kubernetes-models 5.1.0 (≈1.34):
 * - kubernetes-models' validate(): types, required fields, enums, quantities;
 * - the release-1.36 OpenAPI v2 schema made strict (every object closed), so an
 *   unknown or misspelt field fails, which kubernetes-models lets through;
 * - what neither checks: DNS-1123 names, port ranges, selectors that match the
 *   pod labels, Services that select a Deployment, claims that exist.
 */
import AjvModule from "ajv";
import process from "node:process";
import { parseAllDocuments } from "yaml";

// kubernetes-models' validator loads Node's built-in punycode module (through a URI library), which
// prints a DeprecationWarning into the test output; it says nothing about flowctl, so it is silenced.
(process as { noDeprecation?: boolean }).noDeprecation = true;

const Ajv = AjvModule.default;
type Json = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type Any = any;

let strict: { gvk: Map<string, string>; ajv: Any } | undefined;

async function strictSchemas() {
  if (strict) return strict;
  const swagger = JSON.parse(
    await Deno.readTextFile(new URL("../../schemas/upstream/kubernetes-swagger.release-1.36.json", import.meta.url)),
  );
  const gvk = new Map<string, string>();
  for (const [name, d] of Object.entries<Any>(swagger.definitions)) {
    for (const g of d["x-kubernetes-group-version-kind"] ?? []) gvk.set(`${g.group ? `${g.group}/` : ""}${g.version}|${g.kind}`, name);
  }
  const quantity = {
    oneOf: [{ type: "string", pattern: "^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+|[KMGTPE]i|[mkMGTPE]|)$" }, { type: "number" }],
  };
  const close = (s: Any): Any => {
    if (Array.isArray(s)) return s.map(close);
    if (!s || typeof s !== "object") return s;
    if (s.format === "int-or-string") return { oneOf: [{ type: "string" }, { type: "integer" }] };
    if (s.format === "quantity") return quantity;
    const out: Any = {};
    for (const [k, v] of Object.entries<Any>(s)) {
      if (k === "description" || k.startsWith("x-kubernetes-")) continue;
      out[k] = k === "properties" ? Object.fromEntries(Object.entries<Any>(v).map(([p, pv]) => [p, close(pv)])) : close(v);
    }
    if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
    return out;
  };
  const definitions: Json = {};
  for (const [name, d] of Object.entries(swagger.definitions)) definitions[name] = close(d);
  definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"] = quantity;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  ajv.addSchema({ definitions }, "k8s");
  return strict = { gvk, ajv };
}

const models = new Map<string, Any>();
async function model(apiVersion: string, kind: string): Promise<Any> {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) {
    const path = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    // Every kind flowctl emits must have a model; a missing one is a failure, not a skip.
    models.set(key, (await import(`kubernetes-models/${path === "core/v1" ? "v1" : path}/${kind}`))[kind]);
  }
  return models.get(key);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Every problem with a set of objects (e.g. all files of one pipeline), as text; [] when all is well. */
export async function kubernetesErrors(texts: string[]): Promise<string[]> {
  const { gvk, ajv } = await strictSchemas();
  const errors: string[] = [];
  const objects: Any[] = [];
  for (const text of texts) {
    for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
      if (doc.errors.length) errors.push(`YAML: ${doc.errors[0].message}`);
      objects.push(doc.toJS());
    }
  }
  for (const o of objects) {
    const where = `${o.kind}/${o.metadata?.name}`;
    const def = gvk.get(`${o.apiVersion}|${o.kind}`);
    if (!def) {
      errors.push(`${where}: unknown apiVersion/kind ${o.apiVersion} ${o.kind}`);
      continue;
    }
    const check = ajv.getSchema(`k8s#/definitions/${def}`)!;
    if (!check(o)) {
      for (const e of check.errors) errors.push(`${where}: strict schema: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    }
    try {
      new (await model(o.apiVersion, o.kind))(o).validate();
    } catch (e) {
      errors.push(`${where}: kubernetes-models: ${e instanceof Error ? e.message : e}`);
    }
    errors.push(...ownRules(o).map((m) => `${where}: ${m}`));
  }
  errors.push(...crossReferences(objects));
  return errors;
}

/** Rules the API server enforces that no schema holds. */
function ownRules(o: Any): string[] {
  const errors: string[] = [];
  const name = o.metadata?.name ?? "";
  if (!DNS_LABEL.test(name) || name.length > 63) errors.push(`name ${JSON.stringify(name)} is not a DNS-1123 label`);
  if (o.kind !== "Namespace" && !o.metadata?.namespace) errors.push("no metadata.namespace");
  for (const [k, v] of Object.entries<string>(o.metadata?.labels ?? {})) {
    if (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) errors.push(`label ${k}=${v} is not a label value`);
  }
  const ports: number[] = [];
  if (o.kind === "Deployment") {
    const selector = o.spec.selector.matchLabels;
    const labels = o.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) errors.push(`selector ${k}=${v} does not match the pod labels`);
    const volumes = new Set((o.spec.template.spec.volumes ?? []).map((v: Any) => v.name));
    for (const c of o.spec.template.spec.containers) {
      if (!DNS_LABEL.test(c.name)) errors.push(`container name ${c.name} is not a DNS-1123 label`);
      for (const p of c.ports ?? []) ports.push(p.containerPort);
      for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) errors.push(`mount ${m.name} names no pod volume`);
      for (const probe of [c.readinessProbe, c.livenessProbe]) if (probe?.httpGet) ports.push(probe.httpGet.port);
    }
  }
  if (o.kind === "Service") for (const p of o.spec.ports) ports.push(p.port, p.targetPort);
  if (o.kind === "NetworkPolicy") for (const rule of o.spec.ingress ?? []) for (const p of rule.ports ?? []) ports.push(p.port);
  for (const p of ports) if (typeof p === "number" && !(p >= 1 && p <= 65535)) errors.push(`port ${p} is out of range`);
  return errors;
}

/** Services and NetworkPolicies (and their peers) select a Deployment's pods, policies' ports are its ports, and claims that pods use exist. */
function crossReferences(objects: Any[]): string[] {
  const errors: string[] = [];
  const deployments = objects.filter((o) => o.kind === "Deployment");
  const claims = new Set(objects.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name));
  for (const s of objects.filter((o) => o.kind === "Service")) {
    const selects = (d: Any) => Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v);
    if (!deployments.some(selects)) errors.push(`Service/${s.metadata.name}: its selector matches no Deployment`);
  }
  const selected = (labels: Record<string, string> = {}) =>
    deployments.filter((d) => Object.entries(labels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
  for (const p of objects.filter((o) => o.kind === "NetworkPolicy")) {
    const pods = selected(p.spec.podSelector.matchLabels);
    if (!pods.length) errors.push(`NetworkPolicy/${p.metadata.name}: its podSelector matches no Deployment`);
    for (const rule of p.spec.ingress ?? []) {
      for (const peer of rule.from ?? []) {
        if (!selected(peer.podSelector?.matchLabels).length) errors.push(`NetworkPolicy/${p.metadata.name}: a peer's podSelector matches no Deployment`);
      }
      for (const { port } of rule.ports ?? []) {
        const open = (d: Any) => d.spec.template.spec.containers.some((c: Any) => (c.ports ?? []).some((cp: Any) => cp.containerPort === port));
        if (!pods.every(open)) errors.push(`NetworkPolicy/${p.metadata.name}: port ${port} is no container port of the pods it selects`);
      }
    }
  }
  for (const d of deployments) {
    for (const v of d.spec.template.spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim && !claims.has(claim)) errors.push(`Deployment/${d.metadata.name}: claim ${claim} does not exist`);
    }
  }
  const names = new Set<string>();
  for (const o of objects) {
    const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    if (names.has(key)) errors.push(`${key} appears twice`);
    names.add(key);
  }
  return errors;
}

/**
 * What Kubernetes makes of a container's command, args and env values before
 * the container sees them: `$(NAME)` becomes the value of env var NAME when it
 * is defined, `$$` becomes `$`, anything else is kept (an unfinished `$(` too).
 * Written after k8s.io/kubernetes third_party/forked/golang/expansion.
 */
export function kubernetesExpand(input: string, defined: ReadonlyMap<string, string>): string {
  let out = "";
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== "$" || i + 1 >= input.length) {
      out += input[i];
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out += "$(";
        i++;
      } else {
        const name = input.slice(i + 2, close);
        out += defined.get(name) ?? `$(${name})`;
        i = close;
      }
    } else {
      out += "$" + next;
      i++;
    }
  }
  return out;
}

/** A Deployment container's command, args and env as the container sees them (env refers only to vars before it). */
export function containerAsSeen(
  container: { command?: string[]; args?: string[]; env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] },
) {
  const env = new Map<string, string>();
  // A Secret's key is read when the container starts: here it stands as secret:<name>/<key>.
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    env.set(e.name, ref ? `secret:${ref.name}/${ref.key}` : kubernetesExpand(e.value!, env));
  }
  return {
    command: container.command?.map((c) => kubernetesExpand(c, env)),
    args: container.args?.map((a) => kubernetesExpand(a, env)),
    env: Object.fromEntries(env),
  };
}
