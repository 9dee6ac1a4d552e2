/**
 * Nomad: one service job per pipeline, one group per component (and one for
 * the control plane). Image components run with the docker driver, command
 * components with exec or raw_exec. Components find the control plane and
 * their upstreams through Nomad service discovery: a template renders the
 * addresses into env, and re-renders (restarting the task) when they move.
 */
import { atPlace, diagnostic, type Diagnostic, type Location } from "../../compiler/diagnostics.ts";
import { dnsLabel } from "../../compiler/format.ts";
import type { ComponentIR, PipelineIR, ResourcesIR } from "../../compiler/ir.ts";
import type { Generator, GeneratorOptions, GeneratorResult } from "../generator.ts";
import { dropped, type Fidelity, partly, used } from "../fidelity.ts";
import { commentLines } from "../shared/comments.ts";
import { CONTROL_PLANE_HTTP_PORT, CONTROL_PLANE_NAME, controlPlaneCommand, controlPlaneEnv, reservedNames, runsFlowctlImage } from "../shared/control_plane.ts";
import { valuesOf } from "../shared/entries.ts";
import { assignNames } from "../shared/naming.ts";
import { hostPathProblem } from "../shared/host_paths.ts";
import { listeners } from "../shared/listeners.ts";
import { prefixed } from "../shared/prefix.ts";
import { flagsReplacedByCommand, NOT_PASSED } from "../shared/not_passed.ts";
import { cpuCores, memoryBytes } from "../shared/quantity.ts";
import { activeTls, TLS_MOUNT, tlsCaveats, tlsPaths } from "../shared/tls.ts";
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
import { NOMAD_TLS_DIR, nomadTls } from "./nomad_tls.ts";

const fidelity: Fidelity = {
  pipeline: {
    name: used("the job ID (made a DNS label) and the file name `<job>.nomad.hcl`"),
    namespace: used("the job's `namespace` (`--namespace` wins)"),
    description: used("a comment at the top of the jobspec"),
    labels: partly("job `meta`", "a label and an annotation of the same key: the annotation's value is used (W_TARGET_DROPPED)"),
    annotations: used("job `meta`"),
    config: NOT_PASSED.config,
  },
  controlPlane: {
    enabled: used("the group `flowctl-control-plane`; `false` leaves it out and sets no FLOWCTL_* env"),
    image: used("its docker `image`"),
    command: used("its docker `args`"),
    port: used("its port `grpc`, its service with a TCP check, and `FLOWCTL_ENDPOINT` rendered from service discovery"),
    heartbeatInterval: used("every component's `FLOWCTL_HEARTBEAT_INTERVAL`"),
    heartbeatTTL: partly("its `--heartbeat-ttl`", "a `command` of your own replaces the flags (W_TARGET_DROPPED)"),
    storage: dropped(
      "the registry lives in the allocation directory (/alloc/data) on a sticky, migrating ephemeral disk, which has no volume name",
      "remove storage; Nomad keeps the registry across job updates without it",
    ),
    tls: partly(
      "a `template` per file into `secrets/flowctl-tls/`, read when the task starts from the task's own Nomad Variable `nomad/jobs/<job>/<group>/<task>` (items `ca`, `cert`, `key`; the jobspec's header has the `nomad var put` commands), or with `--secrets-from vault` from Vault's KV v2 `secret/data/flowctl-tls/<job>/<group>`; docker binds the folder read-only at /etc/flowctl/tls; the control plane's `--tls-*` flags, `FLOWCTL_TLS_CA` and, with flowctl's image, an `http` check with `protocol = \"https\"` and `tls_skip_verify`; every component's `FLOWCTL_TLS_*`",
      "an `exec` or `raw_exec` task is pointed at `secrets/flowctl-tls/` in its task directory (W_TARGET_CAVEAT); a control-plane `command` of your own gets the files but no flags (W_TARGET_CAVEAT); without a control plane, tls is left out (W_TARGET_DROPPED)",
    ),
  },
  component: {
    image: used("`docker` driver `image`"),
    command: used("docker `entrypoint`; without an image, the `exec` (or `raw_exec`, `--command-driver`) `command` and first `args`"),
    args: used("`args`"),
    inputs: used(
      "a `template` (`env = true`, `change_mode = \"restart\"`) that renders `FLOWCTL_INPUTS` and `FLOWCTL_INPUT_<ID>` from `nomadService` (or Consul `service`) lookups",
    ),
    dependsOn: dropped(
      "Nomad starts a job's groups in parallel and has no start order between them",
      "let the component retry until what it depends on answers",
    ),
    env: partly("the task's `env` block", "Nomad replaces `${...}` that names a Nomad variable at run time, which cannot be turned off (W_TARGET_CAVEAT)"),
    files: partly(
      "a `template` per file (delimiters no text holds, so nothing in it is expanded) into `local/flowctl-files<path>`, bound read-only at the path (docker)",
      "an `exec` or `raw_exec` task finds them in its task directory, not at their paths (W_TARGET_CAVEAT)",
    ),
    secrets: used(
      "a `template` into `secrets/flowctl-secrets.env` (`env = true`) that reads item `<SECRET>_<KEY>` of the job's Nomad Variable `nomad/jobs/<job>` when the task starts (`nomad var put nomad/jobs/<job> LEDGER_DB_PASSWORD=…`); with `--secrets-from vault`, key `<key>` of Vault's KV v2 secret `secret/data/<secret>`, and a `vault {}` block",
    ),
    ports: partly(
      "`network { port \"<name>\" { to = <containerPort> } }`; `hostPort` → `static`; exec and raw_exec listen on the host (`static`)",
      "SCTP is not mapped (W_TARGET_DROPPED)",
    ),
    volumes: partly(
      "a group `volume` of `type = \"host\"` and a `volume_mount` per named volume; docker `mount` binds for host paths",
      "raw_exec, exec with a host path and `$VAR`/relative host paths are E_TARGET_UNSUPPORTED",
    ),
    health: used("an `http` `check` on the component's service (interval 10 s, timeout 5 s)"),
    replicas: partly("group `count`", "with a fixed host port, at most one per client (W_TARGET_CAVEAT)"),
    resources: partly(
      "`cpu` in MHz (cores × `--cpu-mhz-per-core`), `memory` in MB from the request, `memory_max` from a higher limit",
      "a CPU limit is not a cap on Nomad (W_TARGET_DROPPED or W_TARGET_CAVEAT)",
    ),
    restartPolicy: partly(
      "`no` → `restart { attempts = 0, mode = \"fail\" }` and no rescheduling; others restart and reschedule",
      "`on-failure` restarts after any exit (W_TARGET_CAVEAT)",
    ),
    description: used("a comment above its group"),
    inputEventTypes: NOT_PASSED.inputEventTypes,
    outputEventTypes: NOT_PASSED.outputEventTypes,
    healthEndpoint: NOT_PASSED.healthEndpoint,
  },
};

export const nomad: Generator = {
  name: "nomad",
  description: "a Nomad job (HCL2 jobspec, optionally also API JSON)",
  options: [
    { name: "datacenters", type: "string", description: "comma-separated datacenters the job may run in", default: "*" },
    { name: "region", type: "string", description: "the job's region (default: the agent's)" },
    { name: "namespace", type: "string", description: "the job's namespace (default: metadata.namespace, else Nomad's default)" },
    { name: "service-provider", type: "string", description: "service discovery", choices: ["nomad", "consul"], default: "nomad" },
    { name: "command-driver", type: "string", description: "driver of command-only components", choices: ["exec", "raw_exec"], default: "exec" },
    {
      name: "secrets-from",
      type: "string",
      description: "where tasks read env secrets: the job's Nomad Variable nomad/jobs/<job>, or Vault's KV v2 at secret/data/<secret>",
      choices: ["nomad", "vault"],
      default: "nomad",
    },
    {
      name: "cpu-mhz-per-core",
      type: "integer",
      minimum: 1,
      maximum: 1_000_000,
      description: "MHz reserved per CPU core of a resources quantity",
      default: 1000,
    },
    { name: "nomad-json", type: "boolean", description: "also write the API JSON form (<job>.nomad.json)", default: false },
  ],
  fidelity,
  prefix: "the job is `<prefix>-<name>` (its file name too), so every service it registers starts with it; host volumes are asked for as `<prefix>-<volume>`",
  declinedOptions: {
    "network-policies": {
      why: "a Nomad job cannot say which allocations may connect to which",
      hint: "run the services in Consul's service mesh (Connect) with intentions that allow each consumer to its inputs and deny the rest (flowctl writes neither), or use -t kubernetes",
    },
  },
  generate,
};

/** Restart in place a few times, then reschedule elsewhere, for ever, backing off. */
const RESTART: NomadRestart = { attempts: 3, interval: "5m", delay: "15s", mode: "delay" };
const RESCHEDULE: NomadReschedule = { delay: "30s", delayFunction: "exponential", maxDelay: "10m", unlimited: true };
/** restart_policy: no — the allocation fails and stays failed. */
const NO_RESTART: NomadRestart = { attempts: 0, interval: "5m", delay: "15s", mode: "fail" };
const NO_RESCHEDULE: NomadReschedule = { attempts: 0, interval: "1h", unlimited: false };
/** Nomad refuses tasks with less memory than this (MB). */
const MIN_MEMORY_MB = 10;

/** What the per-component unit needs of the whole job. */
interface Context {
  ir: PipelineIR;
  /** The job's namespace, for the commands in its header. */
  namespace?: string;
  /** The commands that store each task's TLS files, for the header. */
  tlsCommands: string[];
  /** The job's id: its Nomad Variable `nomad/jobs/<job>` holds the secrets. */
  jobId: string;
  secretsFrom: "nomad" | "vault";
  groups: Map<string, string>;
  serviceName(group: string): string;
  provider: "nomad" | "consul";
  commandDriver: "exec" | "raw_exec";
  mhzPerCore: number;
  /** Marks an address placeholder in env values (see templateValue). */
  marker: string;
  lookup: string;
  diagnostics: Diagnostic[];
}

function generate(ir: PipelineIR, options: GeneratorOptions): GeneratorResult {
  const diagnostics: Diagnostic[] = [];
  const mhzPerCore = options["cpu-mhz-per-core"] as number;
  const jobId = dnsLabel(prefixed(ir, ir.name));
  const groups = assignNames(ir, "Nomad group", dnsLabel, reservedNames(ir));
  diagnostics.push(...groups.diagnostics);
  const serviceName = (group: string) => dnsLabel(`${jobId}-${group}`);
  if (!groups.diagnostics.length) {
    diagnostics.push(...assignNames(ir, "Nomad service", (id) => serviceName(groups.names.get(id)!), reservedNames(ir, serviceName)).diagnostics);
  }
  const provider = options["service-provider"] as "nomad" | "consul";
  // Addresses are placeholders first: marker, service name, marker. The
  // template then turns each into a service lookup. The marker is a character
  // no user string holds, so a placeholder can never be forged by input.
  const namespace = (options.namespace as string | undefined) ?? ir.namespace;
  const ctx: Context = {
    ir,
    namespace,
    tlsCommands: [],
    jobId,
    secretsFrom: options["secrets-from"] as "nomad" | "vault",
    groups: groups.names,
    serviceName,
    provider,
    commandDriver: options["command-driver"] as "exec" | "raw_exec",
    mhzPerCore,
    marker: unusedCharacter(ir),
    lookup: provider === "consul" ? "service" : "nomadService",
    diagnostics,
  };

  const job: NomadJob = {
    id: jobId,
    datacenters: String(options.datacenters).split(",").map((d) => d.trim()).filter(Boolean),
    region: options.region as string | undefined,
    namespace,
    meta: { ...valuesOf(ir.labels), ...valuesOf(ir.annotations) },
    groups: [],
  };
  for (const [key, annotation] of Object.entries(ir.annotations)) {
    const label = ir.labels[key];
    if (label && label.value !== annotation.value) {
      diagnostics.push(diagnostic("W_TARGET_DROPPED", label.origin,
        `label ${key} and the annotation of the same name both become Nomad meta ${key}; the annotation's value is used`, "rename one of them"));
    }
  }
  diagnostics.push(...tlsCaveats(ir.controlPlane, "nomad"));
  if (ir.controlPlane.enabled) {
    job.groups.push(controlPlaneGroup(ctx));
    diagnostics.push(...flagsReplacedByCommand(ir.controlPlane, "nomad"));
  }
  for (const c of ir.components) job.groups.push(atPlace(c.origin, () => componentGroup(c, ctx)));

  const header = [
    `Generated by flowctl from pipeline ${JSON.stringify(ir.name)}; regenerate rather than edit.`,
    `Run: nomad job run ${jobId}.nomad.hcl`,
    ...tlsHeader(ctx),
    ...(ir.description === undefined ? [] : ["", ...commentLines(ir.description)]),
  ];
  const files = [{ path: `${jobId}.nomad.hcl`, content: jobToHcl(job, header.join("\n")) }];
  if (options["nomad-json"] === true) files.push({ path: `${jobId}.nomad.json`, content: jobToApiJson(job) });
  return { files, diagnostics };
}

function controlPlaneGroup(ctx: Context): NomadGroup {
  const cp = ctx.ir.controlPlane;
  const timing = { interval: `${cp.probe.intervalSeconds}s`, timeout: `${cp.probe.timeoutSeconds}s` };
  const tls = cp.tls && taskTls(ctx, "control-plane", CONTROL_PLANE_NAME, "control-plane");
  // With TLS, flowctl's image is checked on its HTTPS /health: the check runs outside the pipeline's trust.
  const https = cp.tls !== undefined && runsFlowctlImage(cp);
  return {
    name: CONTROL_PLANE_NAME,
    count: 1,
    ports: [{ label: "grpc", to: cp.port }, ...(https ? [{ label: "http", to: CONTROL_PLANE_HTTP_PORT }] : [])],
    services: [{
      name: ctx.serviceName(CONTROL_PLANE_NAME),
      port: "grpc",
      provider: ctx.provider,
      checks: [
        https
          ? { type: "http", path: "/health", protocol: "https", tlsSkipVerify: true, port: "http", ...timing }
          : { type: "tcp", port: "grpc", ...timing },
      ],
    }],
    restart: RESTART,
    reschedule: RESCHEDULE,
    // The registry lives in the alloc dir, which follows the job to new allocations.
    stickyDisk: true,
    volumes: [],
    tasks: [{
      name: "control-plane",
      driver: "docker",
      config: compact({
        image: cp.image,
        args: controlPlaneCommand(cp, "/alloc/data"),
        ports: ["grpc", ...(https ? ["http"] : [])],
        mount: tls && [tls.mount],
      }) as NomadTask["config"],
      env: controlPlaneEnv(ctx.ir) ?? {},
      templates: tls?.templates ?? [],
      ...(tls && ctx.secretsFrom === "vault" && { vault: true }),
      volumeMounts: [],
    }],
  };
}

/** A task's TLS templates and mount, its command noted for the header. */
function taskTls(ctx: Context, owner: "control-plane" | ComponentIR, group: string, task: string) {
  const tls = nomadTls(ctx.ir.controlPlane.tls!, owner, { job: ctx.jobId, group, task, namespace: ctx.namespace, secretsFrom: ctx.secretsFrom });
  ctx.tlsCommands.push(...tls.command.map((line) => `  ${line}`));
  return tls;
}

function tlsHeader(ctx: Context): string[] {
  const tls = activeTls(ctx.ir.controlPlane);
  if (!tls) return [];
  const from = ctx.secretsFrom === "vault" ? "Vault's KV v2, secret/data/flowctl-tls/<job>/<group>" : "its own Nomad Variable";
  return [
    `TLS (mode ${tls.mode}): each task reads its files of flowctl tls certs into ${NOMAD_TLS_DIR}, which docker`,
    `binds at ${TLS_MOUNT}, from ${from}. Store them there first, from the pipeline's folder:`,
    ...ctx.tlsCommands,
  ];
}

function componentGroup(c: ComponentIR, ctx: Context): NomadGroup {
  const { ir, groups, marker, diagnostics } = ctx;
  const name = groups.get(c.id)!;
  const driver = c.image ? "docker" : ctx.commandDriver;
  const tls = activeTls(ir.controlPlane) && taskTls(ctx, c, name, name);
  const wired = wiredEnv(ir, c, {
    target: "nomad",
    controlPlaneAddress: `${marker}${ctx.serviceName(CONTROL_PLANE_NAME)}${marker}`,
    componentAddress: (u) => `${marker}${ctx.serviceName(groups.get(u.id)!)}${marker}`,
    // exec and raw_exec start in the task directory, where the files are; docker sees them where every container does.
    ...(driver !== "docker" && { tlsPaths: tlsPaths(NOMAD_TLS_DIR) }),
  });
  if (tls && driver !== "docker") {
    diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins.command ?? c.origin,
      `the TLS files of "${c.id}" are in its task directory, at ${NOMAD_TLS_DIR}/, not at ${TLS_MOUNT}: ${driver} tasks see no other place`,
      "its FLOWCTL_TLS_* env points there (relative to the task directory); or give the component an image"));
  }
  diagnostics.push(...wired.diagnostics);
  const env: Record<string, string> = {};
  const templated: string[] = [];
  for (const [key, value] of Object.entries(wired.env)) {
    if (value.includes(marker)) templated.push(`${key}="${templateValue(value, marker, ctx.lookup)}"`);
    else env[key] = value;
  }
  for (const [key, { value, origin }] of Object.entries(c.env)) {
    if (/\$\{[^}]+\}/.test(value)) {
      diagnostics.push(diagnostic("W_TARGET_CAVEAT", origin,
        `${key} of "${c.id}" holds \${...}, which Nomad replaces at run time when it names a Nomad variable (NOMAD_*, node.*, attr.*, meta.*) or another env key`,
        "this is how Nomad's runtime interpolation works, and it cannot be turned off; rename the variable reference if it must stay literal"));
    }
  }

  diagnostics.push(...notNfc(c));

  const ports = groupPorts(c, driver, diagnostics);
  const servicePort = ports.serving ?? ports.health;
  const health = c.health;
  const service: NomadService[] = servicePort
    ? [{
      name: ctx.serviceName(name),
      port: servicePort,
      provider: ctx.provider,
      checks: health && ports.health
        ? [{ type: "http", path: health.path, port: ports.health, interval: `${health.intervalSeconds}s`, timeout: `${health.timeoutSeconds}s` }]
        : [],
    }]
    : [];
  const volumes = groupVolumes(c, driver, ir, diagnostics);
  const never = c.restartPolicy === "no";
  if (c.restartPolicy === "on-failure") {
    diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins.restartPolicy ?? c.origin,
      `restart_policy on-failure of "${c.id}": a Nomad service job restarts a task after any exit, also a successful one`,
      "use restart_policy: no to stop after the first exit"));
  }

  // Files: each rendered by a template that cannot expand anything (delimiters no text holds) into the task's
  // local/flowctl-files/, then bound at its path (docker), or found there (exec, raw_exec).
  const fileTemplates = c.files.map((f) => ({
    destination: `local/flowctl-files${f.path}`,
    env: false,
    changeMode: "restart" as const,
    data: f.content,
    delimiters: [`${ctx.marker}[`, `]${ctx.marker}`] as [string, string],
  }));
  const fileBinds = driver === "docker"
    ? c.files.map((f) => ({ type: "bind", source: `local/flowctl-files${f.path}`, target: f.path, readonly: true }))
    : [];
  if (driver !== "docker" && c.files.length) {
    diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins.files ?? c.origin,
      `the files of "${c.id}" are written into its task directory, at local/flowctl-files<path>, not at their paths: a ${driver} task sees no other place`,
      "read them from $NOMAD_TASK_DIR/flowctl-files/…, or give the component an image"));
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
        mount: [...(volumes.binds ?? []), ...fileBinds, ...(tls ? [tls.mount] : [])],
      }) as NomadTask["config"]
      : compact({ command: c.command![0], args: [...c.command!.slice(1), ...c.args] }) as NomadTask["config"],
    env,
    templates: [
      ...(templated.length
        ? [{ destination: "local/flowctl-wiring.env", env: true, changeMode: "restart" as const, data: templated.join("\n") + "\n" }]
        : []),
      // Secrets are read from the job's own Nomad Variable when the task starts, into secrets/ (which only the task
      // sees), never into this file; toJSON quotes the value as the env file reader expects.
      ...(Object.keys(c.secrets).length
        ? [{
          destination: "secrets/flowctl-secrets.env",
          env: true,
          changeMode: "restart" as const,
          data: Object.entries(c.secrets).map(([key, s]) =>
            ctx.secretsFrom === "vault"
              ? `${key}={{ with secret "secret/data/${s.secret}" }}{{ index .Data.data "${s.key}" | toJSON }}{{ end }}`
              : `${key}={{ with nomadVar "nomad/jobs/${ctx.jobId}" }}{{ index . "${s.variable}" | toJSON }}{{ end }}`
          ).join("\n") + "\n",
        }]
        : []),
      ...fileTemplates,
      ...(tls ? tls.templates : []),
    ],
    ...(ctx.secretsFrom === "vault" && (Object.keys(c.secrets).length || tls) ? { vault: true } : {}),
    resources: resources(c, ctx.mhzPerCore, diagnostics),
    volumeMounts: volumes.mounts,
  };
  if (driver !== "docker" && c.command && !c.command[0].startsWith("/")) {
    diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins.command ?? c.origin,
      `command ${JSON.stringify(c.command[0])} of "${c.id}" is looked up on the Nomad client${driver === "exec" ? ", inside the task's chroot" : ", relative to the task directory"}`,
      "use an absolute path installed on every client, or an image"));
  }
  return {
    name,
    ...(c.description !== undefined && { comment: commentLines(c.description) }),
    count: c.replicas ?? 1,
    ports: ports.ports,
    services: service,
    restart: never ? NO_RESTART : RESTART,
    reschedule: never ? NO_RESCHEDULE : RESCHEDULE,
    volumes: volumes.volumes,
    tasks: [task],
  };
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
 * HCL stores every string it reads in Unicode NFC (Nomad and HashiCorp's
 * parser alike), so text in another form reaches the task as other bytes:
 * canonically the same, but not byte for byte.
 */
function notNfc(c: ComponentIR): Diagnostic[] {
  const changes = (value: unknown): boolean =>
    typeof value === "string" ? value !== value.normalize("NFC") : typeof value === "object" && value !== null && Object.values(value).some(changes);
  const caveat = (origin: Location, what: string) =>
    diagnostic("W_TARGET_CAVEAT", origin, `${what} of "${c.id}" holds text not in Unicode NFC, which Nomad's HCL parser turns into NFC: it arrives as other bytes`,
      "write it in NFC (most editors do), or run the API JSON of --nomad-json, which Nomad takes as it is");
  const fields = { id: c.id, image: c.image, command: c.command, args: c.args, volumes: c.volumes, health: c.health } as const;
  const out = Object.entries(fields).filter(([, value]) => changes(value))
    .map(([field]) => caveat(c.origins[field as keyof typeof c.origins] ?? c.origin, field === "health" ? "the health check" : `the ${field}`));
  for (const [key, { value, origin }] of Object.entries(c.env)) if (changes(key) || changes(value)) out.push(caveat(origin, `env ${key}`));
  return out;
}

/**
 * One env-file value for a template line: placeholders become the first
 * instance's address; literal text is escaped for the env file (go-envparse
 * double quotes) and then for Go templates (`{{` written as a string).
 */
function templateValue(value: string, marker: string, lookup: string): string {
  return value.split(marker).map((part, i) => {
    if (i % 2 === 1) return `{{ with ${lookup} ${JSON.stringify(part)} }}{{ with index . 0 }}{{ .Address }}:{{ .Port }}{{ end }}{{ end }}`;
    // go-envparse has escapes for \n and \t only; ids and addresses (all this holds) are checked names.
    // deno-lint-ignore no-control-regex -- control characters are what this looks for
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(part)) throw new Error(`a control character in ${JSON.stringify(part)} cannot be written into the env template`);
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
  for (const l of listeners(c)) {
    const own = l.declared?.name?.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
    const wanted = l.declared ? own || `port_${l.port}` : l.serving ? "serve" : "health";
    let label = wanted;
    for (let n = 2; out.labels.includes(label); n++) label = `${wanted}_${n}`;
    out.labels.push(label);
    const hostPort = l.declared?.hostPort;
    // docker maps a host port to the container's; exec and raw_exec listen on the host itself.
    out.ports.push(docker ? { label, static: hostPort, to: l.port } : { label, static: hostPort ?? l.port });
    if (l.serving) out.serving = label;
    if (l.health) out.health = label;
    if (l.protocol === "SCTP") {
      diagnostics.push(diagnostic("W_TARGET_DROPPED", l.origin,
        `port ${l.port} of "${c.id}" is SCTP; Nomad maps TCP and UDP only`, "use TCP or UDP"));
    }
  }
  const fixed = out.ports.some((p) => p.static !== undefined);
  if (fixed && (c.replicas ?? 1) > 1) {
    diagnostics.push(diagnostic("W_TARGET_CAVEAT", c.origins.replicas ?? c.origin,
      `"${c.id}" has ${c.replicas} replicas and a fixed host port, so Nomad places at most one per client`,
      docker ? "remove hostPort to let Nomad pick ports" : "give it an image, so ports can be mapped"));
  }
  return out;
}

/**
 * Named volumes are Nomad host volumes (the client must define them), asked
 * for with the request's prefix, so two prefixed copies never share data;
 * host paths are docker bind mounts.
 */
function groupVolumes(c: ComponentIR, driver: string, ir: PipelineIR, diagnostics: Diagnostic[]) {
  const volumes: NomadGroup["volumes"] = [];
  const mounts: NomadTask["volumeMounts"] = [];
  const binds: Record<string, string | boolean>[] = [];
  c.volumes.forEach((v) => {
    const where = v.origin;
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
    if (!volumes.some((x) => x.name === v.name)) volumes.push({ name: v.name, source: prefixed(ir, v.name), readOnly: v.readonly });
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
  const mb = (q?: string | number) => (q === undefined ? undefined : Math.ceil(memoryBytes(q) / 2 ** 20));
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
