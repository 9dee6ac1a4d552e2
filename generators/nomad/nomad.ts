/**
 * Nomad: one service job per pipeline, one group per component (and one for
 * the control plane). Image components run with the docker driver, command
 * components with exec or raw_exec. Components find the control plane and
 * their upstreams through Nomad service discovery: a template renders the
 * addresses into env, and re-renders (restarting the task) when they move.
 */
import { diagnostic, type Diagnostic } from "../../compiler/diagnostics.ts";
import type { ComponentIR, PipelineIR, ResourcesIR } from "../../compiler/ir.ts";
import { dnsLabel } from "../../compiler/names.ts";
import type { Generator, GeneratorOptions, GeneratorResult } from "../generator.ts";
import { CONTROL_PLANE_NAME, controlPlaneCommand } from "../shared/control_plane.ts";
import { assignNames } from "../shared/naming.ts";
import { hostPathProblem } from "../shared/host_paths.ts";
import { cpuCores, memoryBytes } from "../shared/quantity.ts";
import { wiredEnv } from "../shared/wiring.ts";
import { compact } from "../shared/compact.ts";
import {
  jobToApiJson,
  jobToHcl,
  type NomadGroup,
  type NomadJob,
  type NomadPort,
  type NomadRestart,
  type NomadReschedule,
  type NomadService,
  type NomadTask,
} from "./nomad_job.ts";

export const nomad: Generator = {
  name: "nomad",
  description: "a Nomad job (HCL2 jobspec, optionally also API JSON)",
  options: [
    { name: "datacenters", type: "string", description: "comma-separated datacenters the job may run in", default: "*" },
    { name: "region", type: "string", description: "the job's region (default: the agent's)" },
    { name: "namespace", type: "string", description: "the job's namespace (default: metadata.namespace, else Nomad's default)" },
    { name: "service-provider", type: "string", description: "service discovery", choices: ["nomad", "consul"], default: "nomad" },
    { name: "command-driver", type: "string", description: "driver of command-only components", choices: ["exec", "raw_exec"], default: "exec" },
    { name: "cpu-mhz-per-core", type: "number", description: "MHz reserved per CPU core of a resources quantity", default: 1000 },
    { name: "nomad-json", type: "boolean", description: "also write the API JSON form (<job>.nomad.json)", default: false },
  ],
  generate,
};

/** Restart in place a few times, then reschedule elsewhere, for ever, backing off. */
const RESTART: NomadRestart = { attempts: 3, interval: "5m", delay: "15s", mode: "delay" };
const RESCHEDULE: NomadReschedule = { delay: "30s", delayFunction: "exponential", maxDelay: "10m", unlimited: true };
/** restart_policy: no — the allocation fails and stays failed. */
const NO_RESTART: NomadRestart = { attempts: 0, interval: "5m", delay: "15s", mode: "fail" };
const NO_RESCHEDULE: NomadReschedule = { attempts: 0, interval: "1h", unlimited: false };
const CHECK = { interval: "10s", timeout: "5s" };
/** Nomad refuses tasks with less memory than this (MB). */
const MIN_MEMORY_MB = 10;

function generate(ir: PipelineIR, options: GeneratorOptions): GeneratorResult {
  const diagnostics: Diagnostic[] = [];
  const cp = ir.controlPlane;
  const provider = options["service-provider"] as "nomad" | "consul";
  const commandDriver = options["command-driver"] as "exec" | "raw_exec";
  const mhzPerCore = options["cpu-mhz-per-core"] as number;
  if (!(mhzPerCore > 0)) {
    diagnostics.push(diagnostic("E_TARGET_OPTION", { ...ir.origin, path: "" }, `cpu-mhz-per-core must be above 0, not ${mhzPerCore}`, "e.g. --cpu-mhz-per-core 2400"));
  }
  const jobId = dnsLabel(ir.name);
  const reserved = new Map<string, string>(cp.enabled ? [[CONTROL_PLANE_NAME, "the control plane"]] : []);
  const groups = assignNames(ir, "Nomad group", dnsLabel, reserved);
  diagnostics.push(...groups.diagnostics);
  const serviceName = (group: string) => dnsLabel(`${jobId}-${group}`);
  if (!groups.diagnostics.length) {
    const cpService = new Map<string, string>(cp.enabled ? [[serviceName(CONTROL_PLANE_NAME), "the control plane"]] : []);
    diagnostics.push(...assignNames(ir, "Nomad service", (id) => serviceName(groups.names.get(id)!), cpService).diagnostics);
  }

  // Addresses are placeholders first: marker, service name, marker. The
  // template then turns each into a service lookup. The marker is a character
  // no user string holds, so a placeholder can never be forged by input.
  const marker = unusedCharacter(ir);
  const lookup = provider === "consul" ? "service" : "nomadService";

  const job: NomadJob = {
    id: jobId,
    datacenters: String(options.datacenters).split(",").map((d) => d.trim()).filter(Boolean),
    region: options.region as string | undefined,
    namespace: (options.namespace as string | undefined) ?? ir.namespace,
    meta: { ...ir.labels, ...ir.annotations },
    groups: [],
  };
  for (const key of Object.keys(ir.annotations)) {
    if (key in ir.labels && ir.labels[key] !== ir.annotations[key]) {
      diagnostics.push(diagnostic("W_TARGET_DROPPED", ir.origins[`metadata.labels.${key}`] ?? ir.origin,
        `label ${key} and the annotation of the same name both become Nomad meta ${key}; the annotation's value is used`, "rename one of them"));
    }
  }

  if (cp.enabled) {
    job.groups.push({
      name: CONTROL_PLANE_NAME,
      count: 1,
      ports: [{ label: "grpc", to: cp.port }],
      services: [{ name: serviceName(CONTROL_PLANE_NAME), port: "grpc", provider, checks: [{ type: "tcp", port: "grpc", ...CHECK }] }],
      restart: RESTART,
      reschedule: RESCHEDULE,
      // The registry lives in the alloc dir, which follows the job to new allocations.
      stickyDisk: true,
      volumes: [],
      tasks: [{
        name: "control-plane",
        driver: "docker",
        config: { image: cp.image, args: controlPlaneCommand(cp, "/alloc/data"), ports: ["grpc"] },
        env: {},
        templates: [],
        volumeMounts: [],
      }],
    });
  }

  for (const c of ir.components) {
    const name = groups.names.get(c.id)!;
    const driver = c.image ? "docker" : commandDriver;
    const wired = wiredEnv(ir, c, {
      target: "nomad",
      controlPlaneAddress: `${marker}${serviceName(CONTROL_PLANE_NAME)}${marker}`,
      componentAddress: (u) => `${marker}${serviceName(groups.names.get(u.id)!)}${marker}`,
    });
    diagnostics.push(...wired.diagnostics);
    const env: Record<string, string> = {};
    const templated: string[] = [];
    for (const [key, value] of Object.entries(wired.env)) {
      if (value.includes(marker)) templated.push(`${key}="${templateValue(value, marker, lookup)}"`);
      else env[key] = value;
    }
    for (const [key, value] of Object.entries(c.env)) {
      if (/\$\{[^}]+\}/.test(value)) {
        diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins[`env.${key}`] ?? c.origin,
          `${key} of "${c.id}" holds \${...}, which Nomad replaces at run time when it names a Nomad variable (NOMAD_*, node.*, attr.*, meta.*) or another env key`,
          "this is how Nomad's runtime interpolation works, and it cannot be turned off; rename the variable reference if it must stay literal"));
      }
    }

    const ports = groupPorts(c, driver, diagnostics);
    const servicePort = ports.serving ?? ports.health;
    const service: NomadService[] = servicePort
      ? [{
        name: serviceName(name),
        port: servicePort,
        provider,
        checks: c.health && ports.health ? [{ type: "http", path: c.health.path, port: ports.health, ...CHECK }] : [],
      }]
      : [];
    const volumes = groupVolumes(c, driver, diagnostics);
    const never = c.restartPolicy === "no";
    if (c.restartPolicy === "on-failure") {
      diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins.restart_policy ?? c.origin,
        `restart_policy on-failure of "${c.id}": a Nomad service job restarts a task after any exit, also a successful one`,
        "use restart_policy: no to stop after the first exit"));
    }

    const task: NomadTask = {
      name,
      driver,
      config: driver === "docker"
        ? compact({
          image: c.image!,
          entrypoint: c.command,
          args: c.args,
          ports: ports.labels,
          mount: volumes.binds,
        }) as NomadTask["config"]
        : compact({ command: c.command![0], args: [...c.command!.slice(1), ...c.args] }) as NomadTask["config"],
      env,
      templates: templated.length
        ? [{ destination: "local/flowctl-wiring.env", env: true, changeMode: "restart", data: templated.join("\n") + "\n" }]
        : [],
      resources: resources(c, mhzPerCore, diagnostics),
      volumeMounts: volumes.mounts,
    };
    if (driver !== "docker" && c.command && !c.command[0].startsWith("/")) {
      diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins.command ?? c.origin,
        `command ${JSON.stringify(c.command[0])} of "${c.id}" is looked up on the Nomad client${driver === "exec" ? ", inside the task's chroot" : ", relative to the task directory"}`,
        "use an absolute path installed on every client, or an image"));
    }
    job.groups.push({
      name,
      count: c.replicas ?? 1,
      ports: ports.ports,
      services: service,
      restart: never ? NO_RESTART : RESTART,
      reschedule: never ? NO_RESCHEDULE : RESCHEDULE,
      volumes: volumes.volumes,
      tasks: [task],
    });
  }

  const header = `Generated by flowctl from pipeline ${JSON.stringify(ir.name)}; regenerate rather than edit.\nRun: nomad job run ${jobId}.nomad.hcl`;
  const files = [{ path: `${jobId}.nomad.hcl`, content: jobToHcl(job, header) }];
  if (options["nomad-json"] === true) files.push({ path: `${jobId}.nomad.json`, content: jobToApiJson(job) });
  return { files, diagnostics };
}

/** A private-use character that occurs in no string of the pipeline. */
function unusedCharacter(ir: PipelineIR): string {
  const all = JSON.stringify(ir);
  for (let code = 0xe000; code <= 0xf8ff; code++) {
    const ch = String.fromCharCode(code);
    if (!all.includes(ch)) return ch;
  }
  throw new Error("no unused private-use character");
}

/**
 * One env-file value for a template line: placeholders become the first
 * instance's address; literal text is escaped for the env file (go-envparse
 * double quotes) and then for Go templates (`{{` written as a string).
 */
function templateValue(value: string, marker: string, lookup: string): string {
  return value.split(marker).map((part, i) => {
    if (i % 2 === 1) return `{{ with ${lookup} ${JSON.stringify(part)} }}{{ with index . 0 }}{{ .Address }}:{{ .Port }}{{ end }}{{ end }}`;
    const env = part.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n").replaceAll("\t", "\\t");
    return env.replaceAll("{{", '{{ "{{" }}');
  }).join("");
}

interface GroupPorts {
  ports: NomadPort[];
  labels: string[];
  serving?: string;
  health?: string;
}

/** Port labels: the port's name (as [a-z0-9_]) or port_<n>; the serving port from env is `serve`, a separate health port `health`. */
function groupPorts(c: ComponentIR, driver: string, diagnostics: Diagnostic[]): GroupPorts {
  const docker = driver === "docker";
  const out: GroupPorts = { ports: [], labels: [] };
  const byPort = new Map<number, string>();
  const add = (wanted: string, port: number, hostPort?: number) => {
    let label = wanted;
    for (let n = 2; out.labels.includes(label); n++) label = `${wanted}_${n}`;
    out.labels.push(label);
    // docker maps a host port to the container's; exec and raw_exec listen on the host itself.
    out.ports.push(docker ? { label, static: hostPort, to: port } : { label, static: hostPort ?? port });
    if (!byPort.has(port)) byPort.set(port, label);
    return label;
  };
  c.ports.forEach((p, i) => {
    const own = p.name?.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
    add(own || `port_${p.containerPort}`, p.containerPort, p.hostPort);
    if (p.protocol === "SCTP") {
      diagnostics.push(diagnostic("W_TARGET_DROPPED", c.origins[`ports.${i}`] ?? c.origin,
        `port ${p.containerPort} of "${c.id}" is SCTP; Nomad maps TCP and UDP only`, "use TCP or UDP"));
    }
  });
  if (c.serving) out.serving = byPort.get(c.serving.port) ?? add("serve", c.serving.port);
  if (c.health) out.health = byPort.get(c.health.port) ?? add("health", c.health.port);
  const fixed = out.ports.some((p) => p.static !== undefined);
  if (fixed && (c.replicas ?? 1) > 1) {
    diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins.replicas ?? c.origin,
      `"${c.id}" has ${c.replicas} replicas and a fixed host port, so Nomad places at most one per client`,
      docker ? "remove hostPort to let Nomad pick ports" : "give it an image, so ports can be mapped"));
  }
  return out;
}

/** Named volumes are Nomad host volumes (the client must define them); host paths are docker bind mounts. */
function groupVolumes(c: ComponentIR, driver: string, diagnostics: Diagnostic[]) {
  const volumes: NomadGroup["volumes"] = [];
  const mounts: NomadTask["volumeMounts"] = [];
  const binds: Record<string, string | boolean>[] = [];
  c.volumes.forEach((v, i) => {
    const where = c.origins[`volumes.${i}`] ?? c.origin;
    if (driver === "raw_exec") {
      diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", where, `raw_exec cannot mount volume "${v.name}" of "${c.id}": the task sees the client's own file system`,
        "use --command-driver exec, or give the component an image"));
      return;
    }
    if (v.hostPath !== undefined) {
      const problem = driver === "docker" ? hostPathProblem(v.hostPath) : "cannot be bind-mounted by the exec driver";
      if (problem) {
        diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", where, `host path ${JSON.stringify(v.hostPath)} of "${c.id}" ${problem} on Nomad`,
          "use an absolute path on the client, or a named volume (a Nomad host volume)"));
        return;
      }
      binds.push({ type: "bind", source: v.hostPath, target: v.mountPath, ...(v.readonly && { readonly: true }) });
      return;
    }
    if (!volumes.some((x) => x.name === v.name)) volumes.push({ name: v.name, source: v.name, readOnly: v.readonly });
    else if (!v.readonly) volumes.find((x) => x.name === v.name)!.readOnly = false;
    mounts.push({ volume: v.name, destination: v.mountPath, readOnly: v.readonly });
  });
  return { volumes, mounts, binds };
}

/** Kubernetes quantities → Nomad's MHz and MB. Nomad reserves CPU and memory; memory_max is the memory limit. */
function resources(c: ComponentIR, mhzPerCore: number, diagnostics: Diagnostic[]): NomadTask["resources"] {
  const r: ResourcesIR | undefined = c.resources;
  if (!r) return undefined;
  const where = c.origins.resources ?? c.origin;
  const cpu = r.requests?.cpu ?? r.limits?.cpu;
  if (r.requests?.cpu !== undefined && r.limits?.cpu !== undefined) {
    diagnostics.push(diagnostic("W_TARGET_DROPPED", where, `the CPU limit of "${c.id}" has no Nomad equivalent; Nomad reserves ${r.requests.cpu} cores and lets the task use idle CPU`,
      "leave out limits.cpu, or set cpu_hard_limit in the docker driver yourself"));
  } else if (r.limits?.cpu !== undefined) {
    diagnostics.push(diagnostic("W_TARGET_CAVEAT", where, `the CPU limit of "${c.id}" becomes a Nomad CPU reservation, which does not cap the task`,
      "write it as requests.cpu to say what is meant"));
  }
  const mb = (q?: string) => (q === undefined ? undefined : Math.ceil(memoryBytes(q) / 2 ** 20));
  let memory = mb(r.requests?.memory ?? r.limits?.memory);
  const limit = mb(r.limits?.memory);
  if (memory !== undefined && memory < MIN_MEMORY_MB) {
    diagnostics.push(diagnostic("W_TARGET_CAVEAT", where, `"${c.id}" asks for ${memory} MB; Nomad needs at least ${MIN_MEMORY_MB} MB, which is used`, "ask for 10Mi or more"));
    memory = MIN_MEMORY_MB;
  }
  return {
    cpu: cpu === undefined ? undefined : Math.max(1, Math.round(cpuCores(cpu) * mhzPerCore)),
    memory,
    memoryMax: limit !== undefined && memory !== undefined && limit > memory ? limit : undefined,
  };
}
