/**
 * docker-compose: one service per component plus the control plane, on one
 * network, following the Compose Specification. Service names are the
 * component ids, changed only where compose requires it.
 */
import { diagnostic, type Diagnostic } from "../../compiler/diagnostics.ts";
import type { ComponentIR, PipelineIR, ResourceListIR } from "../../compiler/ir.ts";
import type { Generator, GeneratorResult } from "../generator.ts";
import { componentsById, wiredEnv } from "../shared/wiring.ts";
import { compact } from "../shared/compact.ts";
import { toYaml } from "../shared/yaml_output.ts";
import { cpuCores, dockerMemory } from "../shared/quantity.ts";
import { assignNames } from "../shared/naming.ts";
import { CONTROL_PLANE_DATA, CONTROL_PLANE_NAME, controlPlaneCommand } from "../shared/control_plane.ts";

const CONTROL_PLANE_SERVICE = CONTROL_PLANE_NAME;
const NETWORK = "pipeline";

export const dockerCompose: Generator = {
  name: "docker-compose",
  aliases: ["compose", "docker"],
  description: "a Compose Specification file for docker compose",
  generate,
};

function generate(ir: PipelineIR): GeneratorResult {
  const diagnostics: Diagnostic[] = [];
  const names = serviceNames(ir, diagnostics);
  const services: Record<string, unknown> = {};
  const volumes = new Set<string>();
  const cp = ir.controlPlane;

  if (cp.enabled) {
    volumes.add(cp.storage);
    services[CONTROL_PLANE_SERVICE] = compact({
      image: cp.image,
      command: controlPlaneCommand(cp),
      volumes: [`${cp.storage}:${CONTROL_PLANE_DATA}`],
      labels: labels(ir, { "com.flowctl.component": "control-plane" }),
      networks: [NETWORK],
      restart: "unless-stopped",
    });
  }

  const byId = componentsById(ir);
  for (const c of ir.components) {
    if (!c.image) {
      diagnostics.push(diagnostic(
        "E_TARGET_UNSUPPORTED",
        c.origin,
        `${c.kind} "${c.id}" has only a command; docker compose runs containers`,
        "add image: (with command: it overrides the image's entrypoint), or use -t local or -t nomad",
      ));
      continue;
    }
    const wired = wiredEnv(ir, c, {
      target: "docker-compose",
      controlPlaneAddress: `${CONTROL_PLANE_SERVICE}:${cp.port}`,
      componentAddress: (u, port) => `${names.get(u.id)}:${port}`,
    });
    diagnostics.push(...wired.diagnostics);

    const dependsOn: Record<string, { condition: string }> = {};
    if (cp.enabled) dependsOn[CONTROL_PLANE_SERVICE] = { condition: "service_started" };
    for (const id of [...c.inputs, ...c.dependsOn]) {
      const upstream = byId.get(id)!;
      if (!upstream.image) continue;
      dependsOn[names.get(id)!] = { condition: upstream.health ? "service_healthy" : "service_started" };
    }
    for (const v of c.volumes) if (!v.hostPath) volumes.add(v.name);
    if ((c.replicas ?? 1) > 1 && c.ports.some((p) => p.hostPort !== undefined)) {
      diagnostics.push(diagnostic(
        "W_TARGET_DROPPED",
        c.origins.replicas ?? c.origin,
        `"${c.id}" has ${c.replicas} replicas and a published hostPort; only one replica can bind that port`,
        "remove hostPort, or use one replica",
      ));
    }

    services[names.get(c.id)!] = compact({
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
      healthcheck: c.health && {
        test: ["CMD", "wget", "-q", "-O", "/dev/null", escape(`http://127.0.0.1:${c.health.port}${c.health.path}`)],
        interval: "10s",
        timeout: "5s",
        retries: 3,
        start_period: "10s",
      },
      deploy: deploy(c),
      labels: labels(ir, { "com.flowctl.component": c.id, "com.flowctl.kind": c.kind }),
      networks: [NETWORK],
      restart: c.restartPolicy ?? "unless-stopped",
    });
  }

  const file: Record<string, unknown> = { name: projectName(ir.name), services, networks: { [NETWORK]: {} } };
  if (volumes.size) file.volumes = Object.fromEntries([...volumes].sort().map((v) => [v, {}]));
  return { files: [{ path: "docker-compose.yaml", content: toYaml(file) }], diagnostics };
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
  const all: Record<string, string> = { ...ir.labels, "com.flowctl.pipeline": ir.name, ...own };
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

/** Service names: the id, with characters compose does not allow replaced by '-'. */
function serviceNames(ir: PipelineIR, diagnostics: Diagnostic[]): Map<string, string> {
  const reserved = new Map<string, string>();
  if (ir.controlPlane.enabled) reserved.set(CONTROL_PLANE_SERVICE, "the control plane");
  const assigned = assignNames(ir, "compose service", (id) => id.replace(/[^a-zA-Z0-9._-]/g, "-"), reserved);
  diagnostics.push(...assigned.diagnostics);
  return assigned.names;
}
