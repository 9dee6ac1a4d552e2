/**
 * Kubernetes: per component a Deployment, a ClusterIP Service when it serves a
 * port, and a PersistentVolumeClaim per named volume; the control plane gets
 * the same three. One file per object, numbered so that `kubectl apply -f DIR`
 * creates namespace and storage before Services and workloads.
 */
import { atPlace, diagnostic, type Diagnostic } from "../../compiler/diagnostics.ts";
import { dnsLabel } from "../../compiler/format.ts";
import type { ComponentIR, HealthIR, PipelineIR, PortIR, ResourceListIR, TlsIR, VolumeIR } from "../../compiler/ir.ts";
import { sortKeys } from "../../compiler/source.ts";
import type { Generator, GeneratorOptions, GeneratorResult, OutputFile } from "../generator.ts";
import { dropped, type Fidelity, partly, used } from "../fidelity.ts";
import { commentLines } from "../shared/comments.ts";
import { compact } from "../shared/compact.ts";
import { CONTROL_PLANE_DATA, CONTROL_PLANE_HTTP_PORT, CONTROL_PLANE_NAME, controlPlaneCommand, controlPlaneEnv, reservedNames, runsFlowctlImage } from "../shared/control_plane.ts";
import { hostPathProblem } from "../shared/host_paths.ts";
import { commandOnly } from "../shared/images.ts";
import { listeners } from "../shared/listeners.ts";
import { assignNames } from "../shared/naming.ts";
import { flagsReplacedByCommand, NOT_PASSED } from "../shared/not_passed.ts";
import { prefixed } from "../shared/prefix.ts";
import {
  activeTls,
  commandLines,
  inTlsDir,
  TLS_MOUNT_FILES,
  TLS_MOUNT,
  tlsCaveats,
  tlsRoles,
  tlsSources,
} from "../shared/tls.ts";
import { wiredEnv } from "../shared/wiring.ts";
import { networkPolicies } from "./network_policy.ts";
import { toYaml } from "../shared/yaml_output.ts";

const fidelity: Fidelity = {
  pipeline: {
    name: used("labels `app.kubernetes.io/instance` and `part-of` (made a label value)"),
    namespace: used("`metadata.namespace` of every object (`--namespace` wins; default `default`)"),
    description: used("a comment at the top of every file"),
    labels: partly("labels on every object", "a label Kubernetes would reject is E_TARGET_UNSUPPORTED; flowctl's own keys win (W_TARGET_DROPPED)"),
    annotations: partly("annotations on Deployments, pod templates and Services", "a key Kubernetes would reject is E_TARGET_UNSUPPORTED"),
    config: NOT_PASSED.config,
  },
  controlPlane: {
    enabled: used("a Deployment, Service and claim named `flowctl-control-plane`; `false` leaves them out and sets no FLOWCTL_* env"),
    image: used("its container `image`; flowctl's (from any registry) also serves HTTP on port `http` (8081), which the readiness probe asks for /health"),
    command: used("its container `args`"),
    port: used("its container and Service port (`grpc`), and `FLOWCTL_ENDPOINT`; without flowctl's image, the readiness probe"),
    heartbeatInterval: used("every component's `FLOWCTL_HEARTBEAT_INTERVAL`"),
    heartbeatTTL: partly("its `--heartbeat-ttl`", "a `command` of your own replaces the flags (W_TARGET_DROPPED)"),
    storage: used("the PersistentVolumeClaim mounted at /var/lib/flowctl"),
    tls: partly(
      "a Secret per pod (`<name>-tls`, `flowctl-control-plane-tls`; keys ca.pem, cert.pem, key.pem, a component's own pair in mode mutual only) mounted read-only at /etc/flowctl/tls, with the `kubectl create secret` commands in the Deployments' header comments; the control plane's `--tls-*` flags, `FLOWCTL_TLS_CA` and its readiness probe on HTTPS; every component's `FLOWCTL_TLS_*`",
      "a control-plane `command` of your own gets the files but no flags (W_TARGET_CAVEAT); without a control plane, tls is left out (W_TARGET_DROPPED)",
    ),
  },
  component: {
    image: partly("container `image`", "a component with only a command is E_TARGET_UNSUPPORTED"),
    command: used("container `command` (`$` written `$$`)"),
    args: used("container `args` (`$` written `$$`)"),
    inputs: used("`FLOWCTL_INPUTS`, `FLOWCTL_INPUT_<ID>` as `<service>.<namespace>.svc.<cluster-domain>:<port>`"),
    dependsOn: dropped(
      "Kubernetes starts all Deployments at once and has no start order between them",
      "let the component retry until what it depends on answers (readiness probes keep unready Services empty)",
    ),
    env: used("container `env`, in key order, with FLOW_CONFIG_* and the FLOWCTL_* wiring; `$` written `$$`, so Kubernetes expands nothing"),
    files: used("a ConfigMap `<name>-files` (key `file-<n>` per file) mounted at each path (`subPath`, read-only); a digest of the files in the pod's annotations rolls the pods when a file changes"),
    secrets: used("container `env` with `valueFrom.secretKeyRef` (the Secret named `secret`, its `key`); flowctl writes no Secret: create it in the namespace"),
    ports: partly(
      "container ports and the Service's ports (`port` = `targetPort` = `containerPort`)",
      "`hostPort` is not published (W_TARGET_DROPPED; use kubectl port-forward)",
    ),
    volumes: partly(
      "a PersistentVolumeClaim per named volume (ReadWriteOnce, `--volume-size`, `--storage-class`); `hostPath` volumes; `readonly` → `readOnly`",
      "host paths with `$VAR`, `~` or relative are E_TARGET_UNSUPPORTED; a hostPath and a claim shared by several pods get W_TARGET_CAVEAT",
    ),
    health: used("`readinessProbe` and `livenessProbe` (`httpGet`, period 10 s, timeout 5 s, 3 failures; liveness waits 10 s)"),
    replicas: used("`spec.replicas` (default 1)"),
    resources: used("container `resources` (`1K` is written `1k`)"),
    restartPolicy: partly("always restarted, as Deployments do", "`no` and `on-failure` cannot be kept (W_TARGET_DROPPED)"),
    description: used("a comment at the top of its Deployment's and Service's files"),
    inputEventTypes: NOT_PASSED.inputEventTypes,
    outputEventTypes: NOT_PASSED.outputEventTypes,
    healthEndpoint: NOT_PASSED.healthEndpoint,
  },
};

export const kubernetes: Generator = {
  name: "kubernetes",
  aliases: ["k8s"],
  description: "Kubernetes manifests (Deployments, Services, PersistentVolumeClaims)",
  options: [
    { name: "namespace", type: "dns-label", description: "namespace of every object (default: metadata.namespace, else default)" },
    { name: "create-namespace", type: "boolean", description: "also emit the Namespace object (never for default)", default: false },
    { name: "volume-size", type: "quantity", description: "storage request of each PersistentVolumeClaim", default: "1Gi" },
    { name: "storage-class", type: "dns-subdomain", description: "storageClassName of each claim (default: the cluster's default)" },
    { name: "cluster-domain", type: "dns-subdomain", description: "the cluster's DNS domain, in Service addresses", default: "cluster.local" },
    // Off by default: policies shut out every client the pipeline's graph does not show.
    { name: "network-policies", type: "boolean", description: "also emit NetworkPolicies: each component admits only its consumers, the control plane only the components", default: false },
  ],
  fidelity,
  prefix: "every object but the Namespace is `<prefix>-<name>` (Service addresses too), and the `instance` label `<prefix>-<pipeline>`",
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
const ORDER: Record<string, string> = { Namespace: "01", PersistentVolumeClaim: "02", ConfigMap: "02", Service: "03", NetworkPolicy: "03", Deployment: "04" };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  /** Comment lines above the object in its file. */
  comment?: string[];
}

/** What the control-plane and per-component units need of the whole pipeline. */
interface Context {
  ir: PipelineIR;
  names: Map<string, string>;
  /** The control plane's objects' name. */
  controlPlane: string;
  namespace: string;
  domain: string;
  annotations: Record<string, string>;
  meta(name: string, labels: Record<string, string>, withAnnotations?: boolean): K8sObject["metadata"];
  labelsFor(name: string, component: string): Record<string, string>;
  selectorFor(name: string): Record<string, string>;
  serviceAddress(service: string, port: number): string;
  claimFor(volume: string, user?: ComponentIR): string;
  diagnostics: Diagnostic[];
}

function generate(ir: PipelineIR, options: GeneratorOptions): GeneratorResult {
  const diagnostics: Diagnostic[] = [];
  const namespace = chooseNamespace(ir, options, diagnostics);
  const claimSize = String(options["volume-size"]);
  const storageClass = options["storage-class"] as string | undefined;
  // Object names: DNS labels, each with the request's prefix.
  const objectName = (name: string) => dnsLabel(prefixed(ir, name));
  const { names, diagnostics: clashes } = assignNames(ir, "Kubernetes", objectName, reservedNames(ir, objectName));
  diagnostics.push(...clashes);
  const pipelineLabels = userLabels(ir, diagnostics);
  const instance = labelValue(prefixed(ir, ir.name));

  // Claims are shared by name, as compose named volumes are.
  const claims = new Map<string, { volume: string; users: ComponentIR[] }>();
  const ctx: Context = {
    ir,
    names,
    controlPlane: objectName(CONTROL_PLANE_NAME),
    namespace,
    domain: String(options["cluster-domain"]),
    annotations: userAnnotations(ir, diagnostics),
    meta: (name, labels, withAnnotations = false) =>
      compact({ name, namespace, labels, annotations: withAnnotations ? ctx.annotations : undefined }) as K8sObject["metadata"],
    labelsFor: (name, component) =>
      sortKeys({
        ...pipelineLabels,
        [LABEL.name]: name,
        ...(instance && { [LABEL.instance]: instance, [LABEL.partOf]: instance }),
        [LABEL.component]: component,
        [LABEL.managedBy]: MANAGED_BY,
      }),
    // Selectors use only name and instance: labels added later never change them.
    selectorFor: (name) => ({ [LABEL.name]: name, ...(instance && { [LABEL.instance]: instance }) }),
    serviceAddress: (service, port) => `${service}.${namespace}.svc.${ctx.domain}:${port}`,
    claimFor: (volume, user) => {
      const name = objectName(volume);
      const known = claims.get(name);
      if (known && known.volume !== volume && user) {
        diagnostics.push(diagnostic("E_NAME_COLLISION", user.origins.volumes ?? user.origin,
          `volumes "${volume}" and "${known.volume}" both become PersistentVolumeClaim "${name}"`, "rename one of the volumes"));
      }
      const entry = known ?? { volume, users: [] };
      if (user && !entry.users.includes(user)) entry.users.push(user);
      claims.set(name, entry);
      return name;
    },
    diagnostics,
  };

  const objects: K8sObject[] = [];
  if (namespace !== "default" && options["create-namespace"] === true) {
    objects.push({ apiVersion: "v1", kind: "Namespace", metadata: compact({ name: namespace, labels: pipelineLabels }) as K8sObject["metadata"] });
  }
  diagnostics.push(...tlsCaveats(ir.controlPlane, "kubernetes"));
  if (ir.controlPlane.enabled) {
    objects.push(...controlPlaneObjects(ctx));
    diagnostics.push(...flagsReplacedByCommand(ir.controlPlane, "kubernetes"));
  }
  for (const c of ir.components) objects.push(...atPlace(c.origin, () => componentObjects(c, ctx)));
  if (options["network-policies"] === true) objects.push(...networkPolicies(ctx));

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
      metadata: ctx.meta(name, sortKeys({ ...pipelineLabels, ...(instance && { [LABEL.partOf]: instance }), [LABEL.managedBy]: MANAGED_BY })),
      spec: compact({ accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage: claimSize } } }),
    });
  }
  return { files: files(objects, ir.description === undefined ? [] : commentLines(ir.description)), diagnostics };
}

function controlPlaneObjects(ctx: Context): K8sObject[] {
  const cp = ctx.ir.controlPlane;
  const name = ctx.controlPlane;
  const labels = ctx.labelsFor(name, "control-plane");
  const claim = ctx.claimFor(cp.storage);
  // flowctl's image also serves HTTP (/health, /api/services): probed there, and reachable through the Service.
  const http = runsFlowctlImage(cp);
  const ports: ServicePort[] = [{ name: "grpc", port: cp.port, protocol: "TCP" }, ...(http ? [{ name: "http", port: CONTROL_PLANE_HTTP_PORT, protocol: "TCP" as const }] : [])];
  const tls = cp.tls && tlsVolume(ctx, cp.tls, "control-plane", `${name}-tls`);
  return [
    service(ctx.meta(name, labels), ctx.selectorFor(name), ports),
    { ...deployment(ctx.meta(name, labels), ctx.selectorFor(name), 1, {
      // One writer for the registry file: never two pods at once on the claim.
      strategy: { type: "Recreate" },
      container: {
        name: "control-plane",
        image: cp.image,
        args: controlPlaneCommand(cp).map(literal),
        ports: ports.map((p) => ({ name: p.name, containerPort: p.port })),
        env: Object.entries(controlPlaneEnv(ctx.ir) ?? {}).map(([name, value]) => ({ name, value: literal(value) })),
        // With TLS its HTTP port answers HTTPS; the kubelet does not check the certificate.
        readinessProbe: http
          ? { httpGet: compact({ path: "/health", port: "http", scheme: cp.tls && "HTTPS" }), periodSeconds: cp.probe.intervalSeconds }
          : { tcpSocket: { port: cp.port }, periodSeconds: cp.probe.intervalSeconds },
        volumeMounts: [{ name: "data", mountPath: CONTROL_PLANE_DATA }, ...(tls ? [tls.mount] : [])],
      },
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }, ...(tls ? [tls.volume] : [])],
    }),
    // Every Secret the pipeline needs, said once where the control plane is.
    comment: cp.tls && tlsInstructions(ctx, cp.tls),
  }];
}

function componentObjects(c: ComponentIR, ctx: Context): K8sObject[] {
  const { ir, names, diagnostics } = ctx;
  const unsupported = commandOnly(c, "Kubernetes", "-t nomad or -t local");
  if (unsupported) {
    diagnostics.push(unsupported);
    return [];
  }
  const name = names.get(c.id)!;
  const wired = wiredEnv(ir, c, {
    target: "kubernetes",
    controlPlaneAddress: ctx.serviceAddress(ctx.controlPlane, ir.controlPlane.port),
    componentAddress: (u, port) => ctx.serviceAddress(names.get(u.id)!, port),
  });
  diagnostics.push(...wired.diagnostics);
  const labels = ctx.labelsFor(name, c.kind);
  const comment = c.description === undefined ? undefined : commentLines(c.description);
  const objects: K8sObject[] = [];

  const served = servedPorts(c);
  const servicePorts = served.map((p) => ({ name: portName(p), port: p.containerPort, protocol: p.protocol }));
  if (servicePorts.length) objects.push({ ...service(ctx.meta(name, labels, true), ctx.selectorFor(name), servicePorts), comment });
  for (const p of c.ports) {
    if (p.hostPort === undefined) continue;
    diagnostics.push(diagnostic("W_TARGET_DROPPED", p.origin,
      `hostPort ${p.hostPort} of "${c.id}" is not published on Kubernetes; other pods reach it through its Service`,
      `use kubectl port-forward svc/${name} ${p.hostPort}:${p.containerPort}, or a NodePort or LoadBalancer Service`));
  }
  if (c.restartPolicy === "no" || c.restartPolicy === "on-failure") {
    diagnostics.push(diagnostic("W_TARGET_DROPPED", c.origins.restartPolicy ?? c.origin,
      `restart_policy ${c.restartPolicy} of "${c.id}" cannot be kept: a Deployment always restarts its pods`,
      "use -t nomad or -t docker-compose for components that should stay stopped"));
  }

  const mounts = podVolumes(c, ctx);
  const tls = activeTls(ir.controlPlane);
  const tlsSecret = tls && tlsVolume(ctx, tls, c, `${name}-tls`);
  if (tlsSecret) {
    mounts.volumes.push(tlsSecret.volume);
    mounts.mounts.push(tlsSecret.mount);
  }
  // Files: one ConfigMap per component, each file a key mounted at its path; a digest of the files in the pod's
  // annotations changes with them, so the pods roll when a file changes.
  let annotations = ctx.annotations;
  if (c.files.length) {
    const configMap = dnsLabel(`${name}-files`);
    objects.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: ctx.meta(configMap, labels),
      data: Object.fromEntries(c.files.map((f, n) => [`file-${n + 1}`, f.content])),
    } as K8sObject);
    mounts.volumes.push({ name: "flowctl-files", configMap: { name: configMap } });
    mounts.mounts.push(...c.files.map((f, n) => ({ name: "flowctl-files", mountPath: f.path, subPath: `file-${n + 1}`, readOnly: true })));
    annotations = { ...annotations, "flowctl.dev/files-digest": digest(c.files.map((f) => `${f.path}\0${f.content}`).join("\0")) };
  }
  objects.push({
    ...deployment(ctx.meta(name, labels, true), ctx.selectorFor(name), c.replicas ?? 1, {
      annotations,
      container: {
        name,
        image: c.image,
        command: c.command?.map(literal),
        args: c.args.map(literal),
        // A secret stays in its Secret: the kubelet reads the key when the container starts.
        env: [
          ...Object.entries(wired.env).map(([k, v]): EnvVar => ({ name: k, value: literal(v) })),
          ...Object.entries(c.secrets).map(([k, ref]): EnvVar => ({ name: k, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } })),
        ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
        ports: containerPorts(served),
        resources: c.resources && compact({ requests: quantities(c.resources.requests), limits: quantities(c.resources.limits) }),
        readinessProbe: c.health && httpProbe(c.health),
        livenessProbe: c.health && httpProbe(c.health, c.health.startPeriodSeconds),
        volumeMounts: mounts.mounts,
      },
      volumes: mounts.volumes,
    }),
    comment: tlsSecret ? [...(comment ?? []), ...(comment ? [""] : []), ...tlsSecret.instructions] : comment,
  });
  return objects;
}

/**
 * A pod's TLS files: the Secret `secret`, its keys (ca.pem, cert.pem, key.pem)
 * mounted read-only at /etc/flowctl/tls. flowctl writes no Secret, so no key
 * is in a manifest; `instructions` say how to make it from the tls dir.
 */
function tlsVolume(ctx: Context, tls: TlsIR, owner: "control-plane" | ComponentIR, secret: string) {
  const roles = tlsRoles(tls, owner);
  const sources = tlsSources(owner);
  const command = commandLines(
    ["kubectl", "create", "secret", "generic", secret, "--namespace", ctx.namespace],
    roles.map((role) => `--from-file=${TLS_MOUNT_FILES[role]}=${inTlsDir(tls, sources[role])}`),
  ).map((line) => `  ${line}`);
  return {
    volume: { name: "flowctl-tls", secret: { secretName: secret, items: roles.map((role) => ({ key: TLS_MOUNT_FILES[role], path: TLS_MOUNT_FILES[role] })) } },
    mount: { name: "flowctl-tls", mountPath: TLS_MOUNT, readOnly: true },
    command,
    instructions: [`TLS: this pod reads Secret ${secret}; make it from the pipeline's folder with`, ...command],
  };
}

/** The control plane's file says how to make every Secret the pipeline needs, from the files of flowctl tls certs. */
function tlsInstructions(ctx: Context, tls: TlsIR): string[] {
  const owners = [
    tlsVolume(ctx, tls, "control-plane", `${ctx.controlPlane}-tls`),
    ...ctx.ir.components.filter((c) => c.image && ctx.names.has(c.id)).map((c) => tlsVolume(ctx, tls, c, `${ctx.names.get(c.id)}-tls`)),
  ];
  return [
    `TLS (mode ${tls.mode}): every pod mounts a Secret at ${TLS_MOUNT}. Make them from the pipeline's folder,`,
    `with the files of flowctl tls certs (flowctl writes no Secret, so no key is in these files):`,
    ...owners.flatMap((o) => o.command),
  ];
}

/**
 * Kubernetes expands `$(VAR)` in a container's command, args and env values,
 * and turns `$$` into `$`; writing every `$` as `$$` makes each value reach the
 * container exactly as written (`$(HOME)` stays `$(HOME)`, `$$5` stays `$$5`).
 */
/** FNV-1a (32 bits) of the text's UTF-8, in hex: a change marker, not a security measure. */
function digest(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

function literal(value: string): string {
  return value.replaceAll("$", "$$$$");
}

function files(objects: K8sObject[], pipelineComment: string[]): OutputFile[] {
  const named = objects.map((o) => ({ path: `${ORDER[o.kind]}-${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, o }));
  named.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return named.map(({ path, o: { comment, ...object } }) => ({
    path,
    content: toYaml(object, { top: [...pipelineComment, ...(comment ?? [])] }),
  }));
}

function chooseNamespace(ir: PipelineIR, options: GeneratorOptions, diagnostics: Diagnostic[]): string {
  const given = options.namespace as string | undefined;
  const namespace = given ?? ir.namespace ?? "default";
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    const where = given !== undefined ? { ...ir.origin, path: "" } : ir.origins.namespace ?? ir.origin;
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
  for (const [key, { value, origin }] of Object.entries(ir.labels)) {
    if (owned.has(key)) {
      diagnostics.push(diagnostic("W_TARGET_DROPPED", origin, `label ${key} is set by flowctl on Kubernetes; the pipeline's value is not used`,
        "use another label key"));
    } else if (!validKey(key) || value.length > 63 || !LABEL_VALUE.test(value)) {
      diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", origin, `label ${JSON.stringify(key)}: ${JSON.stringify(value)} is not a valid Kubernetes label`,
        "keys are [prefix/]name; values are at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit; put free text in annotations"));
    } else {
      out[key] = value;
    }
  }
  return out;
}

function userAnnotations(ir: PipelineIR, diagnostics: Diagnostic[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, { value, origin }] of Object.entries(ir.annotations)) {
    if (validKey(key)) out[key] = value;
    else {
      diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", origin, `annotation key ${JSON.stringify(key)} is not a valid Kubernetes key`,
        "keys are [dns-prefix/]name, the name at most 63 letters, digits, '-', '_' or '.'"));
    }
  }
  return out;
}

function validKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf("/") + 1);
  return QUALIFIED_NAME.test(key) && name.length <= 63 && key.length - name.length <= 254;
}

/** A label value from free text: invalid characters become '-', at most 63. */
function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** A container's env entry: a value, or a key of a Secret. */
type EnvVar = { name: string; value: string } | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

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

/** The ports a Service exposes: every declared port, else the serving port found in env (not a health-only port). */
function servedPorts(c: ComponentIR): Omit<PortIR, "origin">[] {
  return listeners(c).filter((l) => l.declared || l.serving).map((l) => l.declared ?? { containerPort: l.port, protocol: l.protocol });
}

function containerPorts(served: Omit<PortIR, "origin">[]): unknown[] {
  const used = new Set<string>();
  return served.map((p) => {
    let name = p.name !== undefined ? portName(p) : undefined;
    if (name && used.has(name)) name = undefined;
    if (name) used.add(name);
    return compact({ name, containerPort: p.containerPort, protocol: p.protocol === "TCP" ? undefined : p.protocol });
  });
}

/** Readiness (no delay) and liveness (after the start period) share one HTTP check. */
function httpProbe(health: HealthIR, initialDelaySeconds?: number) {
  return {
    httpGet: { path: health.path, port: health.port },
    ...(initialDelaySeconds !== undefined && { initialDelaySeconds }),
    periodSeconds: health.intervalSeconds,
    timeoutSeconds: health.timeoutSeconds,
    failureThreshold: health.retries,
  };
}

/** A port name Kubernetes accepts (IANA service name: ≤ 15, lower case, a letter, no '--'), else `<proto>-<port>`. */
function portName(p: Omit<PortIR, "origin">): string {
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
function podVolumes(c: ComponentIR, ctx: Context): { volumes: unknown[]; mounts: unknown[] } {
  const volumes: unknown[] = [];
  const mounts: unknown[] = [];
  const bySource = new Map<string, string>();
  const taken = new Set<string>();
  c.volumes.forEach((v: VolumeIR) => {
    let source: Record<string, unknown>;
    let key: string;
    if (v.hostPath !== undefined) {
      const problem = hostPathProblem(v.hostPath);
      if (problem) {
        ctx.diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", v.origin, `host path ${JSON.stringify(v.hostPath)} of "${c.id}" ${problem} on Kubernetes`,
          "use an absolute path on the node, or a named volume (a PersistentVolumeClaim)"));
        return;
      }
      ctx.diagnostics.push(diagnostic("W_TARGET_CAVEAT", v.origin, `host path ${v.hostPath} of "${c.id}" is a hostPath volume: each pod sees the disk of the node it runs on`,
        "use a named volume (a PersistentVolumeClaim) for data that must follow the pod"));
      source = { hostPath: { path: v.hostPath } };
      key = `host:${v.hostPath}`;
    } else {
      source = { persistentVolumeClaim: { claimName: ctx.claimFor(v.name, c) } };
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
