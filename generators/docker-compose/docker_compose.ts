/**
 * docker-compose: one service per component plus the control plane, on one
 * network, following the Compose Specification. Service names are the
 * component ids, changed only where compose requires it.
 */
import { atPlace, type Diagnostic, diagnostic } from "../../compiler/diagnostics.ts";
import type { ComponentIR, PipelineIR, ResourceListIR } from "../../compiler/ir.ts";
import type { Generator, GeneratorResult } from "../generator.ts";
import { dropped, type Fidelity, partly, used } from "../fidelity.ts";
import { commentLines } from "../shared/comments.ts";
import { compact } from "../shared/compact.ts";
import { CONTROL_PLANE_DATA, CONTROL_PLANE_NAME, controlPlaneCommand, reservedNames } from "../shared/control_plane.ts";
import { valuesOf } from "../shared/entries.ts";
import { commandOnly } from "../shared/images.ts";
import { assignNames } from "../shared/naming.ts";
import { flagsReplacedByCommand, NOT_PASSED } from "../shared/not_passed.ts";
import { prefixed } from "../shared/prefix.ts";
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
    enabled: used("the service `flowctl-control-plane`; `false` leaves it out and sets no FLOWCTL_* env"),
    image: used("its `image`"),
    command: used("its `command`"),
    port: used("its `--port` and every component's `FLOWCTL_ENDPOINT=flowctl-control-plane:<port>`"),
    heartbeatInterval: used("every component's `FLOWCTL_HEARTBEAT_INTERVAL`"),
    heartbeatTTL: partly("its `--heartbeat-ttl`", "a `command` of your own replaces the flags (W_TARGET_DROPPED)"),
    storage: used("the named volume mounted at /var/lib/flowctl"),
  },
  component: {
    image: used("`image`"),
    command: used("`entrypoint`"),
    args: used("`command`"),
    inputs: used(
      "`depends_on` (`condition: service_healthy` when the upstream has a health check, else `service_started`) and `FLOWCTL_INPUTS`, `FLOWCTL_INPUT_<ID>` as `<service>:<port>`",
    ),
    dependsOn: used("`depends_on`"),
    env: used(
      "`environment`, keys sorted: the component's env, `FLOW_CONFIG_*`, then `ENABLE_FLOWCTL`, `FLOWCTL_ENDPOINT`, `FLOWCTL_HEARTBEAT_INTERVAL`, `FLOWCTL_COMPONENT_ID` and the inputs' addresses",
    ),
    ports: used("published (`\"host:container[/udp]\"`) when `hostPort` is given; the first one is the serving port"),
    volumes: used("named volumes (declared at the top level) or binds of host paths; `readonly` → `:ro`"),
    health: used("`healthcheck` running `wget` against `http://127.0.0.1:<port><path>` (the image needs `wget`)"),
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
  description: "a Compose Specification file for docker compose",
  fidelity,
  prefix: "the project `name` is `<prefix>-<name>`, and compose names every container, network and volume after the project",
  generate,
};

/** What the per-component unit needs of the whole pipeline. */
interface Context {
  ir: PipelineIR;
  names: Map<string, string>;
  byId: Map<string, ComponentIR>;
  diagnostics: Diagnostic[];
}

function generate(ir: PipelineIR): GeneratorResult {
  const diagnostics: Diagnostic[] = [];
  const assigned = assignNames(ir, "compose service", (id) => id.replace(/[^a-zA-Z0-9._-]/g, "-"), reservedNames(ir));
  diagnostics.push(...assigned.diagnostics);
  const ctx: Context = { ir, names: assigned.names, byId: componentsById(ir), diagnostics };

  const services: Record<string, unknown> = {};
  const volumes = new Set<string>();
  const comments: YamlComments = { top: ir.description === undefined ? [] : commentLines(ir.description), above: [] };
  if (ir.controlPlane.enabled) {
    services[CONTROL_PLANE_SERVICE] = controlPlaneService(ir);
    volumes.add(ir.controlPlane.storage);
    diagnostics.push(...flagsReplacedByCommand(ir.controlPlane, "docker-compose"));
  }
  for (const c of ir.components) {
    const unit = atPlace(c.origin, () => componentService(c, ctx));
    if (!unit) continue;
    const name = ctx.names.get(c.id)!;
    services[name] = unit.service;
    unit.volumes.forEach((v) => volumes.add(v));
    if (c.description !== undefined) comments.above!.push(["services", name, commentLines(c.description)]);
  }

  const file: Record<string, unknown> = { name: projectName(prefixed(ir, ir.name)), services, networks: { [NETWORK]: {} } };
  if (volumes.size) file.volumes = Object.fromEntries([...volumes].sort().map((v) => [v, {}]));
  return { files: [{ path: "docker-compose.yaml", content: toYaml(file, comments) }], diagnostics };
}

function controlPlaneService(ir: PipelineIR): Record<string, unknown> {
  const cp = ir.controlPlane;
  return compact({
    image: cp.image,
    command: controlPlaneCommand(cp),
    volumes: [`${cp.storage}:${CONTROL_PLANE_DATA}`],
    labels: labels(ir, { "com.flowctl.component": "control-plane" }),
    networks: [NETWORK],
    restart: "unless-stopped",
  });
}

/** A component's service and the named volumes it uses; nothing when compose cannot run it. */
function componentService(c: ComponentIR, ctx: Context): { service: Record<string, unknown>; volumes: string[] } | undefined {
  const { ir, names, byId, diagnostics } = ctx;
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
  if (ir.controlPlane.enabled) dependsOn[CONTROL_PLANE_SERVICE] = { condition: "service_started" };
  for (const id of [...c.inputs, ...c.dependsOn]) {
    const upstream = byId.get(id)!;
    if (!upstream.image) continue;
    dependsOn[names.get(id)!] = { condition: upstream.health ? "service_healthy" : "service_started" };
  }
  if ((c.replicas ?? 1) > 1 && c.ports.some((p) => p.hostPort !== undefined)) {
    diagnostics.push(diagnostic(
      "W_TARGET_DROPPED",
      c.origins.replicas ?? c.origin,
      `"${c.id}" has ${c.replicas} replicas and a published hostPort; only one replica can bind that port`,
      "remove hostPort, or use one replica",
    ));
  }
  const health = c.health;
  const seconds = (n: number) => `${n}s`;
  return {
    volumes: c.volumes.filter((v) => !v.hostPath).map((v) => v.name),
    service: compact({
      image: c.image,
      entrypoint: c.command?.map(escape),
      command: c.args.length ? c.args.map(escape) : undefined,
      environment: Object.fromEntries(Object.entries(wired.env).map(([k, v]) => [k, escape(v)])),
      ports: c.ports.filter((p) => p.hostPort !== undefined).map((p) =>
        `${p.hostPort}:${p.containerPort}${p.protocol === "TCP" ? "" : `/${p.protocol.toLowerCase()}`}`
      ),
      // Host paths keep `$VAR`: compose expands them, as users of compose expect.
      volumes: c.volumes.map((v) => `${v.hostPath ?? v.name}:${v.mountPath}${v.readonly ? ":ro" : ""}`),
      depends_on: dependsOn,
      healthcheck: health && {
        test: ["CMD", "wget", "-q", "-O", "/dev/null", escape(`http://127.0.0.1:${health.port}${health.path}`)],
        interval: seconds(health.intervalSeconds),
        timeout: seconds(health.timeoutSeconds),
        retries: health.retries,
        start_period: seconds(health.startPeriodSeconds),
      },
      deploy: deploy(c),
      labels: labels(ir, { "com.flowctl.component": c.id, "com.flowctl.kind": c.kind }),
      networks: [NETWORK],
      restart: c.restartPolicy ?? "unless-stopped",
    }),
  };
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

/** Compose interpolates `$VAR`; `$$` is a literal dollar. */
function escape(value: string): string {
  return value.replaceAll("$", "$$$$");
}

/** Compose project names: lower-case letters, digits, '-' and '_', starting with a letter or digit. */
function projectName(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_]+/, "");
  return s || "flowctl";
}
