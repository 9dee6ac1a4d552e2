/**
 * Kubernetes: per component a Deployment, a ClusterIP Service when it serves a
 * port, and a PersistentVolumeClaim per named volume; the control plane gets
 * the same three. One file per object, numbered so that `kubectl apply -f DIR`
 * creates namespace and storage before Services and workloads.
 */
import { diagnostic, type Diagnostic } from "../../compiler/diagnostics.ts";
import type { ComponentIR, HealthIR, PipelineIR, PortIR, ResourceListIR, VolumeIR } from "../../compiler/ir.ts";
import { dnsLabel } from "../../compiler/names.ts";
import { sortKeys } from "../../compiler/source.ts";
import type { Generator, GeneratorOptions, GeneratorResult, OutputFile } from "../generator.ts";
import { CONTROL_PLANE_DATA, CONTROL_PLANE_NAME, controlPlaneCommand } from "../shared/control_plane.ts";
import { assignNames } from "../shared/naming.ts";
import { hostPathProblem } from "../shared/host_paths.ts";
import { wiredEnv } from "../shared/wiring.ts";
import { compact } from "../shared/compact.ts";
import { toYaml } from "../shared/yaml_output.ts";

export const kubernetes: Generator = {
  name: "kubernetes",
  aliases: ["k8s"],
  description: "Kubernetes manifests (Deployments, Services, PersistentVolumeClaims)",
  options: [
    { name: "namespace", type: "string", description: "namespace of every object (default: metadata.namespace, else default)" },
    { name: "create-namespace", type: "boolean", description: "also emit the Namespace object (never for default)", default: false },
    { name: "volume-size", type: "string", description: "storage request of each PersistentVolumeClaim", default: "1Gi" },
    { name: "storage-class", type: "string", description: "storageClassName of each claim (default: the cluster's default)" },
    { name: "cluster-domain", type: "string", description: "the cluster's DNS domain, in Service addresses", default: "cluster.local" },
  ],
  generate,
  concat: (files) => files.map((f) => f.content).join("---\n"),
};

const MANAGED_BY = "flowctl";
/** Names for the labels this generator owns; a pipeline label cannot replace them. */
const LABEL = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
} as const;
/** File prefixes: the order `kubectl apply -f DIR` creates objects in (file names sort). */
const ORDER: Record<string, string> = { Namespace: "01", PersistentVolumeClaim: "02", Service: "03", Deployment: "04" };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const QUANTITY = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[mkMGTPE]|)$/;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function generate(ir: PipelineIR, options: GeneratorOptions): GeneratorResult {
  const diagnostics: Diagnostic[] = [];
  const cp = ir.controlPlane;
  const namespace = chooseNamespace(ir, options, diagnostics);
  const domain = String(options["cluster-domain"]);
  const claimSize = String(options["volume-size"]);
  if (!QUANTITY.test(claimSize)) {
    diagnostics.push(diagnostic("E_TARGET_OPTION", { ...ir.origin, path: "" }, `volume-size ${JSON.stringify(claimSize)} is not a Kubernetes quantity`, "write it like 1Gi or 500Mi"));
  }
  const storageClass = options["storage-class"] as string | undefined;
  const reserved = new Map<string, string>(cp.enabled ? [[CONTROL_PLANE_NAME, "the control plane"]] : []);
  const { names, diagnostics: clashes } = assignNames(ir, "Kubernetes", dnsLabel, reserved);
  diagnostics.push(...clashes);
  const pipelineLabels = userLabels(ir, diagnostics);
  const annotations = userAnnotations(ir, diagnostics);
  const instance = labelValue(ir.name);

  const objects: K8sObject[] = [];
  const meta = (name: string, labels: Record<string, string>, withAnnotations = false) =>
    compact({ name, namespace, labels, annotations: withAnnotations ? annotations : undefined }) as K8sObject["metadata"];
  const labelsFor = (name: string, component: string) =>
    sortKeys({
      ...pipelineLabels,
      [LABEL.name]: name,
      ...(instance && { [LABEL.instance]: instance, [LABEL.partOf]: instance }),
      [LABEL.component]: component,
      [LABEL.managedBy]: MANAGED_BY,
    });
  // Selectors use only name and instance: labels added later never change them.
  const selectorFor = (name: string) => ({ [LABEL.name]: name, ...(instance && { [LABEL.instance]: instance }) });
  const serviceAddress = (service: string, port: number) => `${service}.${namespace}.svc.${domain}:${port}`;

  // Claims are shared by name, as compose named volumes are.
  const claims = new Map<string, { volume: string; users: ComponentIR[] }>();
  const claimFor = (volume: string, user?: ComponentIR) => {
    const name = dnsLabel(volume);
    const known = claims.get(name);
    if (known && known.volume !== volume && user) {
      diagnostics.push(diagnostic("E_NAME_COLLISION", user.origins.volumes ?? user.origin,
        `volumes "${volume}" and "${known.volume}" both become PersistentVolumeClaim "${name}"`, "rename one of the volumes"));
    }
    const entry = known ?? { volume, users: [] };
    if (user && !entry.users.includes(user)) entry.users.push(user);
    claims.set(name, entry);
    return name;
  };

  if (namespace !== "default" && options["create-namespace"] === true) {
    objects.push({ apiVersion: "v1", kind: "Namespace", metadata: compact({ name: namespace, labels: pipelineLabels }) as K8sObject["metadata"] });
  }

  if (cp.enabled) {
    const labels = labelsFor(CONTROL_PLANE_NAME, "control-plane");
    const claim = claimFor(cp.storage);
    objects.push(service(meta(CONTROL_PLANE_NAME, labels), selectorFor(CONTROL_PLANE_NAME), [{ name: "grpc", port: cp.port, protocol: "TCP" }]));
    objects.push(deployment(meta(CONTROL_PLANE_NAME, labels), selectorFor(CONTROL_PLANE_NAME), 1, {
      // One writer for the registry file: never two pods at once on the claim.
      strategy: { type: "Recreate" },
      container: {
        name: "control-plane",
        image: cp.image,
        args: controlPlaneCommand(cp),
        ports: [{ name: "grpc", containerPort: cp.port }],
        readinessProbe: { tcpSocket: { port: cp.port }, periodSeconds: 10 },
        volumeMounts: [{ name: "data", mountPath: CONTROL_PLANE_DATA }],
      },
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }],
    }));
  }

  for (const c of ir.components) {
    if (!c.image) {
      diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", c.origin, `${c.kind} "${c.id}" has only a command; Kubernetes runs containers`,
        "add image: (with command: it overrides the image's entrypoint), or use -t nomad or -t local"));
      continue;
    }
    const name = names.get(c.id)!;
    const wired = wiredEnv(ir, c, {
      target: "kubernetes",
      controlPlaneAddress: serviceAddress(CONTROL_PLANE_NAME, cp.port),
      componentAddress: (u, port) => serviceAddress(names.get(u.id)!, port),
    });
    diagnostics.push(...wired.diagnostics);
    const labels = labelsFor(name, c.kind);

    const servicePorts = servedPorts(c).map((p) => ({ name: portName(p), port: p.containerPort, protocol: p.protocol }));
    if (servicePorts.length) objects.push(service(meta(name, labels, true), selectorFor(name), servicePorts));
    for (const [i, p] of c.ports.entries()) {
      if (p.hostPort === undefined) continue;
      diagnostics.push(diagnostic("W_TARGET_DROPPED", c.origins[`ports.${i}`] ?? c.origin,
        `hostPort ${p.hostPort} of "${c.id}" is not published on Kubernetes; other pods reach it through its Service`,
        `use kubectl port-forward svc/${name} ${p.hostPort}:${p.containerPort}, or a NodePort or LoadBalancer Service`));
    }
    if (c.restartPolicy === "no" || c.restartPolicy === "on-failure") {
      diagnostics.push(diagnostic("W_TARGET_DROPPED", c.origins.restart_policy ?? c.origin,
        `restart_policy ${c.restartPolicy} of "${c.id}" cannot be kept: a Deployment always restarts its pods`,
        "use -t nomad or -t docker-compose for components that should stay stopped"));
    }

    const mounts = podVolumes(c, claimFor, diagnostics);
    objects.push(deployment(meta(name, labels, true), selectorFor(name), c.replicas ?? 1, {
      annotations,
      container: {
        name,
        image: c.image,
        command: c.command,
        args: c.args,
        env: Object.entries(wired.env).map(([k, v]) => ({ name: k, value: v })),
        ports: containerPorts(c),
        resources: c.resources && compact({ requests: quantities(c.resources.requests), limits: quantities(c.resources.limits) }),
        readinessProbe: c.health && httpProbe(c.health),
        livenessProbe: c.health && httpProbe(c.health, 10),
        volumeMounts: mounts.mounts,
      },
      volumes: mounts.volumes,
    }));
  }

  for (const [name, { volume, users }] of claims) {
    const replicas = users.reduce((n, u) => n + (u.replicas ?? 1), 0);
    if (replicas > 1) {
      for (const u of users) {
        diagnostics.push(diagnostic("W_TARGET_CAVEAT", u.origins.volumes ?? u.origin,
          `volume "${volume}" is used by ${replicas} pods; its ReadWriteOnce claim mounts on one node only, so pods on other nodes cannot start`,
          "give each component its own volume, or pre-create a ReadWriteMany claim of that name"));
      }
    }
    objects.push({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: meta(name, sortKeys({ ...pipelineLabels, ...(instance && { [LABEL.partOf]: instance }), [LABEL.managedBy]: MANAGED_BY })),
      spec: compact({ accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage: claimSize } } }),
    });
  }

  return { files: files(objects), diagnostics };
}

function files(objects: K8sObject[]): OutputFile[] {
  const named = objects.map((o) => ({ path: `${ORDER[o.kind]}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, o }));
  named.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return named.map(({ path, o }) => ({ path, content: toYaml(o) }));
}

function chooseNamespace(ir: PipelineIR, options: GeneratorOptions, diagnostics: Diagnostic[]): string {
  const given = options.namespace as string | undefined;
  const namespace = given ?? ir.namespace ?? "default";
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    const where = given !== undefined ? { ...ir.origin, path: "" } : ir.origins["metadata.namespace"] ?? ir.origin;
    diagnostics.push(diagnostic(given !== undefined ? "E_TARGET_OPTION" : "E_TARGET_UNSUPPORTED", where,
      `namespace ${JSON.stringify(namespace)} is not a Kubernetes namespace name`,
      `use lower-case letters, digits and '-', at most 63 (e.g. ${JSON.stringify(dnsLabel(namespace))}), or pass --namespace`));
  }
  return namespace;
}

/** The pipeline's labels, checked against Kubernetes' label syntax; flowctl's own keys win. */
function userLabels(ir: PipelineIR, diagnostics: Diagnostic[]): Record<string, string> {
  const out: Record<string, string> = {};
  const owned = new Set<string>(Object.values(LABEL));
  for (const [key, value] of Object.entries(ir.labels)) {
    const where = ir.origins[`metadata.labels.${key}`] ?? ir.origin;
    if (owned.has(key)) {
      diagnostics.push(diagnostic("W_TARGET_DROPPED", where, `label ${key} is set by flowctl on Kubernetes; the pipeline's value is not used`,
        "use another label key"));
    } else if (!validKey(key) || value.length > 63 || !LABEL_VALUE.test(value)) {
      diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", where, `label ${JSON.stringify(key)}: ${JSON.stringify(value)} is not a valid Kubernetes label`,
        "keys are [prefix/]name; values are at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit; put free text in annotations"));
    } else {
      out[key] = value;
    }
  }
  return out;
}

function userAnnotations(ir: PipelineIR, diagnostics: Diagnostic[]): Record<string, string> {
  for (const key of Object.keys(ir.annotations)) {
    if (validKey(key)) continue;
    diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", ir.origins[`metadata.annotations.${key}`] ?? ir.origin,
      `annotation key ${JSON.stringify(key)} is not a valid Kubernetes key`, "keys are [dns-prefix/]name, the name at most 63 letters, digits, '-', '_' or '.'"));
  }
  return Object.fromEntries(Object.entries(ir.annotations).filter(([k]) => validKey(k)));
}

function validKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf("/") + 1);
  return QUALIFIED_NAME.test(key) && name.length <= 63 && key.length - name.length <= 254;
}

/** A label value from free text: invalid characters become '-', at most 63. */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

interface ServicePort {
  name?: string;
  port: number;
  protocol: string;
}

function service(metadata: K8sObject["metadata"], selector: Record<string, string>, ports: ServicePort[]): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: {
      type: "ClusterIP",
      selector,
      ports: ports.map((p) =>
        compact({ name: ports.length > 1 ? p.name : undefined, port: p.port, targetPort: p.port, protocol: p.protocol === "TCP" ? undefined : p.protocol })
      ),
    },
  };
}

interface PodParts {
  container: Record<string, unknown>;
  volumes?: unknown[];
  annotations?: Record<string, string>;
  strategy?: Record<string, unknown>;
}

function deployment(metadata: K8sObject["metadata"], selector: Record<string, string>, replicas: number, pod: PodParts): K8sObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: compact({
      replicas,
      selector: { matchLabels: selector },
      strategy: pod.strategy,
      template: {
        metadata: compact({ labels: metadata.labels, annotations: pod.annotations }),
        spec: compact({ containers: [compact(pod.container)], volumes: pod.volumes }),
      },
    }),
  };
}

/** The ports a component serves: every declared port, else the serving port found in env. */
function servedPorts(c: ComponentIR): PortIR[] {
  if (c.ports.length) return c.ports;
  return c.serving ? [{ containerPort: c.serving.port, protocol: c.serving.protocol }] : [];
}

function containerPorts(c: ComponentIR): unknown[] {
  const used = new Set<string>();
  return servedPorts(c).map((p) => {
    let name = p.name !== undefined ? portName(p) : undefined;
    if (name && used.has(name)) name = undefined;
    if (name) used.add(name);
    return compact({ name, containerPort: p.containerPort, protocol: p.protocol === "TCP" ? undefined : p.protocol });
  });
}

/** Readiness (no delay) and liveness (after `initialDelaySeconds`) share one HTTP check. */
function httpProbe(health: HealthIR, initialDelaySeconds?: number) {
  return {
    httpGet: { path: health.path, port: health.port },
    ...(initialDelaySeconds !== undefined && { initialDelaySeconds }),
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3,
  };
}

/** A port name Kubernetes accepts (IANA service name: ≤ 15, lower case, a letter, no '--'), else `<proto>-<port>`. */
function portName(p: PortIR): string {
  const own = p.name?.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-{2,}/g, "-").replace(/^-|-$/g, "");
  if (own && own.length <= 15 && /[a-z]/.test(own)) return own;
  return `${p.protocol.toLowerCase()}-${p.containerPort}`;
}

/** Kubernetes spells decimal kilo `k`; the pipeline format also takes `K`. */
function quantities(list?: ResourceListIR): Record<string, string> | undefined {
  if (!list) return undefined;
  const q = (v: string | number | undefined) => (v === undefined ? undefined : String(v).replace(/K$/, "k"));
  return compact({ cpu: q(list.cpu), memory: q(list.memory) }) as Record<string, string>;
}

/** Pod volumes and mounts: a claim per named volume, a hostPath per host path (node-local, with a warning). */
function podVolumes(
  c: ComponentIR,
  claimFor: (volume: string, user: ComponentIR) => string,
  diagnostics: Diagnostic[],
): { volumes: unknown[]; mounts: unknown[] } {
  const volumes: unknown[] = [];
  const mounts: unknown[] = [];
  const bySource = new Map<string, string>();
  const taken = new Set<string>();
  c.volumes.forEach((v: VolumeIR, i) => {
    const where = c.origins[`volumes.${i}`] ?? c.origin;
    let source: Record<string, unknown>;
    let key: string;
    if (v.hostPath !== undefined) {
      const problem = hostPathProblem(v.hostPath);
      if (problem) {
        diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", where, `host path ${JSON.stringify(v.hostPath)} of "${c.id}" ${problem} on Kubernetes`,
          "use an absolute path on the node, or a named volume (a PersistentVolumeClaim)"));
        return;
      }
      diagnostics.push(diagnostic("W_TARGET_CAVEAT", where, `host path ${v.hostPath} of "${c.id}" is a hostPath volume: each pod sees the disk of the node it runs on`,
        "use a named volume (a PersistentVolumeClaim) for data that must follow the pod"));
      source = { hostPath: { path: v.hostPath } };
      key = `host:${v.hostPath}`;
    } else {
      source = { persistentVolumeClaim: { claimName: claimFor(v.name, c) } };
      key = `claim:${v.name}`;
    }
    let name = bySource.get(key);
    if (!name) {
      const base = dnsLabel(v.name).slice(0, 58);
      name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
      taken.add(name);
      bySource.set(key, name);
      volumes.push({ name, ...source });
    }
    mounts.push(compact({ name, mountPath: v.mountPath, readOnly: v.readonly || undefined }));
  });
  return { volumes, mounts };
}
