/**
 * docker-compose: one service per component plus the control plane, on one
 * network, following the Compose Specification. Service names are the
 * component ids, changed only where compose requires it.
 */
import { atPlace, type Diagnostic, diagnostic } from "../../compiler/diagnostics.ts";
import type { ComponentIR, PipelineIR, ResourceListIR, TlsIR } from "../../compiler/ir.ts";
import type { Generator, GeneratorOptions, GeneratorResult } from "../generator.ts";
import { dropped, type Fidelity, partly, used } from "../fidelity.ts";
import { commentLines } from "../shared/comments.ts";
import { compact } from "../shared/compact.ts";
import { CONTROL_PLANE_DATA, CONTROL_PLANE_HTTP_PORT, CONTROL_PLANE_NAME, controlPlaneCommand, controlPlaneEnv, helperImage, reservedNames, runsFlowctlImage } from "../shared/control_plane.ts";
import { valuesOf } from "../shared/entries.ts";
import { commandOnly } from "../shared/images.ts";
import { assignNames } from "../shared/naming.ts";
import { flagsReplacedByCommand, NOT_PASSED } from "../shared/not_passed.ts";
import { prefixed } from "../shared/prefix.ts";
import { secretVariables } from "../shared/secrets.ts";
import { activeTls, TLS_MOUNT_FILES, TLS_MOUNT, tlsCaveats, tlsRoles, tlsSources } from "../shared/tls.ts";
import { sortKeys } from "../../compiler/source.ts";
import { cpuCores, dockerMemory } from "../shared/quantity.ts";
import { componentsById, wiredEnv } from "../shared/wiring.ts";
import { toYaml, type YamlComments } from "../shared/yaml_output.ts";

const CONTROL_PLANE_SERVICE = CONTROL_PLANE_NAME;
const NETWORK = "pipeline";

const fidelity: Fidelity = {
  pipeline: {
    name: used("the project `name` (lower case; other characters become `-`) and the `com.flowctl.pipeline` label"),
    namespace: dropped(
      "compose has no namespaces; the project is named after metadata.name",
      "keep it for the cluster targets; compose needs nothing here",
    ),
    description: used("a comment at the top of the file"),
    labels: used("`labels` on every service, beside `com.flowctl.pipeline`, `com.flowctl.component` and `com.flowctl.kind`"),
    annotations: dropped(
      "compose has no object annotations (its `annotations` key hands OCI annotations to the container runtime, which is another thing)",
      "put what compose should carry into metadata.labels",
    ),
    config: NOT_PASSED.config,
  },
  controlPlane: {
    enabled: used(
      "the service `flowctl-control-plane`, its HTTP port published on 127.0.0.1 and, with flowctl's image, its health check; `false` leaves it out and sets no FLOWCTL_* env",
    ),
    image: used("its `image`; flowctl's (from any registry) also runs the `-ready` probes"),
    command: used("its `command`"),
    port: used("its `--port` and every component's `FLOWCTL_ENDPOINT=flowctl-control-plane:<port>`"),
    heartbeatInterval: used("every component's `FLOWCTL_HEARTBEAT_INTERVAL`"),
    heartbeatTTL: partly("its `--heartbeat-ttl`", "a `command` of your own replaces the flags (W_TARGET_DROPPED)"),
    storage: used("the named volume mounted at /var/lib/flowctl"),
    tls: partly(
      "top-level `secrets` whose `file` is in `${FLOWCTL_TLS_DIR:-./<dir>}` (relative to the project directory), mounted by each service at /etc/flowctl/tls/ca.pem, cert.pem and key.pem (a component's own pair in mode mutual only); the control plane's `--tls-*` flags and `FLOWCTL_TLS_CA`, which its image's health check trusts; every component's `FLOWCTL_TLS_*`",
      "a control-plane `command` of your own gets the files but no flags (W_TARGET_CAVEAT); without a control plane, tls is left out (W_TARGET_DROPPED)",
    ),
  },
  component: {
    image: used("`image`"),
    command: used("`entrypoint`"),
    args: used("`command`"),
    inputs: used(
      "`depends_on` (on the upstream's `-ready` probe, `service_completed_successfully`, when it has a health check, else `service_started`) and `FLOWCTL_INPUTS`, `FLOWCTL_INPUT_<ID>` as `<service>:<port>`",
    ),
    dependsOn: used("`depends_on`"),
    env: used(
      "`environment`, keys sorted: the component's env, `FLOW_CONFIG_*`, then `ENABLE_FLOWCTL`, `FLOWCTL_ENDPOINT`, `FLOWCTL_HEARTBEAT_INTERVAL`, `FLOWCTL_COMPONENT_ID` and the inputs' addresses",
    ),
    secrets: used(
      "`environment` as `${<SECRET>_<KEY>:?…}`: compose reads the value from its own environment or `.env` file when it starts, and stops, naming the variable, when it is unset; the file's header lists the variables",
    ),
    ports: used("published (`\"host:container[/udp]\"`) when `hostPort` is given; the first one is the serving port"),
    volumes: used("named volumes (declared at the top level) or binds of host paths; `readonly` → `:ro`"),
    files: used("a top-level config `<service>-file-<n>` with the text as `content` (`$` written `$$`), mounted at the path (`configs:` of the service; Compose 2.23 or later)"),
    health: partly(
      "a one-shot service `<service>-ready` (flowctl's image, `wait http://<service>:<port><path>`, polling every 200 ms) that downstream services wait for: nothing is needed inside the component's image",
      "a component nothing waits for gets no probe: `docker compose up --wait` would take the finished probe for a failed service",
    ),
    replicas: partly("`deploy.replicas`", "above 1 with a published hostPort, only one replica can bind it (W_TARGET_DROPPED)"),
    resources: used("`deploy.resources.limits` / `reservations` (`250m` → `cpus: \"0.25\"`, `512Mi` → `512m`)"),
    restartPolicy: used("`restart` (default `unless-stopped`)"),
    description: used("a comment above the service"),
    inputEventTypes: NOT_PASSED.inputEventTypes,
    outputEventTypes: NOT_PASSED.outputEventTypes,
    healthEndpoint: NOT_PASSED.healthEndpoint,
  },
};

export const dockerCompose: Generator = {
  name: "docker-compose",
  aliases: ["compose", "docker"],
  description: "a Compose Specification file for docker compose (v2)",
  fidelity,
  options: [
    {
      name: "control-plane-http-port",
      type: "integer",
      minimum: 0,
      maximum: 65535,
      description: "the port on 127.0.0.1 where the control plane's HTTP API (/health, /metrics, /api/services) is published; 0: one Docker picks",
      default: 0,
    },
    {
      name: "start-interval",
      type: "duration",
      description: "how often the control plane's health is checked while it starts (healthcheck start_interval); 0s leaves it out, for Docker Engine before 25",
      default: "1s",
    },
  ],
  prefix: "the project `name` is `<prefix>-<name>`, and compose names every container, network and volume after the project",
  declinedOptions: {
    "network-policies": {
      why: "Compose has no ingress rules: every service on a network reaches every other, and flowctl puts all of them on one network",
      hint: "for isolation per edge, give each input its own network joined only by its two ends (flowctl does not write them), or use -t kubernetes",
    },
  },
  generate,
};

/** What the per-component unit needs of the whole pipeline. */
interface Context {
  ir: PipelineIR;
  names: Map<string, string>;
  byId: Map<string, ComponentIR>;
  diagnostics: Diagnostic[];
}

/** The one-shot service that waits for a component's health endpoint: what others depend on. */
const readyName = (service: string) => `${service}-ready`;

function generate(ir: PipelineIR, options: GeneratorOptions): GeneratorResult {
  const diagnostics: Diagnostic[] = [];
  const rename = (id: string) => id.replace(/[^a-zA-Z0-9._-]/g, "-");
  const reserved = reservedNames(ir);
  // A component gets a probe when something waits for it (up --wait would take a finished probe nothing waits for as a failure).
  const awaited = new Set(ir.components.flatMap((c) => [...c.inputs, ...c.dependsOn]));
  const probed = (c: ComponentIR) => c.health !== undefined && c.replicas !== 0 && awaited.has(c.id);
  // A probe's name must not be a component's either.
  for (const c of ir.components) if (probed(c)) reserved.set(readyName(rename(c.id)), `the probe of "${c.id}"`);
  const assigned = assignNames(ir, "compose service", rename, reserved);
  diagnostics.push(...assigned.diagnostics);
  const ctx: Context = { ir, names: assigned.names, byId: componentsById(ir), diagnostics };

  const services: Record<string, unknown> = {};
  const volumes = new Set<string>();
  const configs: Record<string, { content: string }> = {};
  const secrets: Record<string, { file: string }> = {};
  diagnostics.push(...tlsCaveats(ir.controlPlane, "docker-compose"));
  const comments: YamlComments = { top: [...header(ir), ...(ir.description === undefined ? [] : ["", ...commentLines(ir.description)])], above: [] };
  if (ir.controlPlane.enabled) {
    services[CONTROL_PLANE_SERVICE] = controlPlaneService(ir, options, secrets);
    volumes.add(ir.controlPlane.storage);
    diagnostics.push(...flagsReplacedByCommand(ir.controlPlane, "docker-compose"));
  }
  for (const c of ir.components) {
    const unit = atPlace(c.origin, () => componentService(c, ctx, secrets));
    if (!unit) continue;
    const name = ctx.names.get(c.id)!;
    services[name] = unit.service;
    if (probed(c)) services[readyName(name)] = readyService(ir, c, name);
    unit.volumes.forEach((v) => volumes.add(v));
    // Each file is a top-level config with its text inline, mounted at its path ($ doubled: compose interpolates content).
    c.files.forEach((f, n) => (configs[`${name}-file-${n + 1}`] = { content: escape(f.content) }));
    if (c.description !== undefined) comments.above!.push(["services", name, commentLines(c.description)]);
  }

  const file: Record<string, unknown> = { name: projectName(prefixed(ir, ir.name)), services, networks: { [NETWORK]: {} } };
  if (volumes.size) file.volumes = Object.fromEntries([...volumes].sort().map((v) => [v, {}]));
  if (Object.keys(configs).length) file.configs = configs;
  if (Object.keys(secrets).length) file.secrets = sortKeys(secrets);
  return { files: [{ path: "docker-compose.yaml", content: toYaml(file, comments) }], diagnostics };
}

/** What the file needs to run: said once, on top, rather than as a warning on every translate. */
function header(ir: PipelineIR): string[] {
  const lines = ["Run with Docker Compose v2 (docker compose up); Compose v1 (docker-compose 1.x) rejects the top-level name."];
  if (ir.controlPlane.enabled && runsFlowctlImage(ir.controlPlane)) {
    lines.push(`The control plane's HTTP API: docker compose port ${CONTROL_PLANE_SERVICE} ${CONTROL_PLANE_HTTP_PORT}`);
  }
  const secrets = secretVariables(ir);
  if (secrets.length) {
    lines.push("Secrets: set these in the environment of docker compose up (or in a .env file beside this file):");
    for (const s of secrets) lines.push(`  ${s.variable}  (secret ${s.secret}, key ${s.key})`);
  }
  const tls = activeTls(ir.controlPlane);
  if (tls) {
    lines.push(
      `TLS (mode ${tls.mode}): the files of flowctl tls certs are read from ${tlsFolder(tls)} (relative to the project`,
      `  directory) and mounted at ${TLS_MOUNT}; the control plane's HTTP API answers HTTPS.`,
    );
  }
  return lines;
}

function controlPlaneService(ir: PipelineIR, options: GeneratorOptions, secrets: Record<string, { file: string }>): Record<string, unknown> {
  const cp = ir.controlPlane;
  const flowctl = runsFlowctlImage(cp);
  const hostPort = Number(options["control-plane-http-port"]);
  const startInterval = String(options["start-interval"]);
  const seconds = (n: number) => `${n}s`;
  return compact({
    image: cp.image,
    command: controlPlaneCommand(cp),
    environment: escapeValues(controlPlaneEnv(ir)),
    // Loopback only: its API has no authentication, and a port Docker picks never clashes with another pipeline's.
    ports: flowctl ? [`127.0.0.1:${hostPort || ""}:${CONTROL_PLANE_HTTP_PORT}`] : undefined,
    volumes: [`${cp.storage}:${CONTROL_PLANE_DATA}`],
    secrets: cp.tls && tlsMounts(cp.tls, "control-plane", CONTROL_PLANE_SERVICE, secrets),
    // The test is the image's own (its `health` command): compose sets only when it runs.
    healthcheck: flowctl
      ? compact({
        interval: seconds(cp.probe.intervalSeconds),
        timeout: seconds(cp.probe.timeoutSeconds),
        retries: cp.probe.retries,
        start_period: seconds(cp.probe.startPeriodSeconds),
        start_interval: /^0+(\.0+)?[a-z]*$/.test(startInterval) ? undefined : startInterval,
      })
      : undefined,
    labels: labels(ir, { "com.flowctl.component": "control-plane" }),
    networks: [NETWORK],
    restart: "unless-stopped",
  });
}

/** Waits, from flowctl's image, until the component's health endpoint answers 2xx, then exits 0. */
function readyService(ir: PipelineIR, c: ComponentIR, name: string): Record<string, unknown> {
  const health = c.health!;
  return {
    image: helperImage(ir.controlPlane),
    command: ["wait", escape(`http://${name}:${health.port}${health.path}`)],
    depends_on: { [name]: { condition: "service_started" } },
    labels: labels(ir, { "com.flowctl.component": c.id, "com.flowctl.kind": "probe" }),
    networks: [NETWORK],
    restart: "no",
  };
}

/** A component's service and the named volumes it uses; nothing when compose cannot run it. */
function componentService(
  c: ComponentIR,
  ctx: Context,
  secrets: Record<string, { file: string }>,
): { service: Record<string, unknown>; volumes: string[] } | undefined {
  const { ir, names, byId, diagnostics } = ctx;
  const tls = activeTls(ir.controlPlane);
  const unsupported = commandOnly(c, "docker compose", "-t local or -t nomad");
  if (unsupported) {
    diagnostics.push(unsupported);
    return undefined;
  }
  const wired = wiredEnv(ir, c, {
    target: "docker-compose",
    controlPlaneAddress: `${CONTROL_PLANE_SERVICE}:${ir.controlPlane.port}`,
    componentAddress: (u, port) => `${names.get(u.id)}:${port}`,
  });
  diagnostics.push(...wired.diagnostics);

  const dependsOn: Record<string, { condition: string }> = {};
  if (ir.controlPlane.enabled) {
    dependsOn[CONTROL_PLANE_SERVICE] = { condition: runsFlowctlImage(ir.controlPlane) ? "service_healthy" : "service_started" };
  }
  for (const id of [...c.inputs, ...c.dependsOn]) {
    const upstream = byId.get(id)!;
    if (!upstream.image) continue;
    const name = names.get(id)!;
    if (upstream.health && upstream.replicas !== 0) dependsOn[readyName(name)] = { condition: "service_completed_successfully" };
    else dependsOn[name] = { condition: "service_started" };
  }
  if ((c.replicas ?? 1) > 1 && c.ports.some((p) => p.hostPort !== undefined)) {
    diagnostics.push(diagnostic(
      "W_TARGET_DROPPED",
      c.origins.replicas ?? c.origin,
      `"${c.id}" has ${c.replicas} replicas and a published hostPort; only one replica can bind that port`,
      "remove hostPort, or use one replica",
    ));
  }
  return {
    volumes: c.volumes.filter((v) => !v.hostPath).map((v) => v.name),
    service: compact({
      image: c.image,
      entrypoint: c.command?.map(escape),
      command: c.args.length ? c.args.map(escape) : undefined,
      // A secret is compose's to read from its environment; it stops, naming the variable, when it is unset.
      environment: sortKeys({
        ...Object.fromEntries(Object.entries(wired.env).map(([k, v]) => [k, escape(v)])),
        ...Object.fromEntries(Object.entries(c.secrets).map(([k, s]) => [k, `\${${s.variable}:?set ${s.variable} to key ${s.key} of secret ${s.secret}}`])),
      }),
      ports: c.ports.filter((p) => p.hostPort !== undefined).map((p) =>
        `${p.hostPort}:${p.containerPort}${p.protocol === "TCP" ? "" : `/${p.protocol.toLowerCase()}`}`
      ),
      // Host paths keep `$VAR`: compose expands them, as users of compose expect.
      volumes: c.volumes.map((v) => `${v.hostPath ?? v.name}:${v.mountPath}${v.readonly ? ":ro" : ""}`),
      configs: c.files.map((f, n) => ({ source: `${names.get(c.id)}-file-${n + 1}`, target: f.path })),
      secrets: tls && tlsMounts(tls, c, names.get(c.id)!, secrets),
      depends_on: dependsOn,
      deploy: deploy(c),
      labels: labels(ir, { "com.flowctl.component": c.id, "com.flowctl.kind": c.kind }),
      networks: [NETWORK],
      restart: c.restartPolicy ?? "unless-stopped",
    }),
  };
}

/** Where compose reads the tls dir: FLOWCTL_TLS_DIR, else the pipeline's `dir` (relative paths start at the project directory). */
function tlsFolder(tls: TlsIR): string {
  const dir = tls.dir.replace(/\/+$/, "");
  return `\${FLOWCTL_TLS_DIR:-${dir === "." || dir.startsWith("./") ? dir : `./${dir}`}}`;
}

/**
 * An owner's TLS files as compose secrets (declared at the top level, the CA
 * once), mounted at the fixed paths: compose reads the files itself, so no
 * key is ever in this file.
 */
function tlsMounts(
  tls: TlsIR,
  owner: "control-plane" | ComponentIR,
  service: string,
  secrets: Record<string, { file: string }>,
): { source: string; target: string }[] {
  const sources = tlsSources(owner);
  return tlsRoles(tls, owner).map((role) => {
    const name = role === "ca" ? "flowctl-tls-ca" : `${service}-tls-${role}`;
    secrets[name] = { file: `${tlsFolder(tls)}/${escape(sources[role])}` };
    return { source: name, target: `${TLS_MOUNT}/${TLS_MOUNT_FILES[role]}` };
  });
}

function deploy(c: ComponentIR): Record<string, unknown> | undefined {
  const list = (r?: ResourceListIR) =>
    r && compact({
      cpus: r.cpu !== undefined ? String(cpuCores(r.cpu)) : undefined,
      memory: r.memory !== undefined ? dockerMemory(r.memory) : undefined,
    });
  const resources = c.resources && compact({ limits: list(c.resources.limits), reservations: list(c.resources.requests) });
  const d = compact({ replicas: c.replicas, resources: resources && Object.keys(resources).length ? resources : undefined });
  return Object.keys(d).length ? d : undefined;
}

function labels(ir: PipelineIR, own: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = { ...valuesOf(ir.labels), "com.flowctl.pipeline": ir.name, ...own };
  return Object.fromEntries(Object.keys(all).sort().map((k) => [k, escape(all[k])]));
}

function escapeValues(env: Record<string, string> | undefined): Record<string, string> | undefined {
  return env && Object.fromEntries(Object.entries(env).map(([k, v]) => [k, escape(v)]));
}

/** Compose interpolates `$VAR`; `$$` is a literal dollar. */
function escape(value: string): string {
  return value.replaceAll("$", "$$$$");
}

/** Compose project names: lower-case letters, digits, '-' and '_', starting with a letter or digit. */
function projectName(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_]+/, "");
  return s || "flowctl";
}
