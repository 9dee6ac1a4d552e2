/**
 * local: one bash script, run.sh, that runs the pipeline on this machine. It
 * starts the control plane, then the components in topological order —
 * commands as processes, images with `docker run --network host` — waits for
 * an upstream's health endpoint before starting what reads from it, keeps
 * each component's output in logs/<name>.log and on the terminal as
 * `[name] …`, restarts crashed components with backoff, and on Ctrl-C or
 * SIGTERM stops everything in reverse order. Everything listens on
 * 127.0.0.1, so every port is a port of this machine and two components
 * cannot share one: that is checked here, before anything runs.
 */
import { atPlace, diagnostic, type Diagnostic, type Location } from "../../compiler/diagnostics.ts";
import type { ComponentIR, PipelineIR } from "../../compiler/ir.ts";
import { VERSION } from "../../version.ts";
import { dropped, type Fidelity, partly, used } from "../fidelity.ts";
import type { Generator, GeneratorOptions, GeneratorResult } from "../generator.ts";
import { resolveOptions } from "../generator.ts";
import { commentLines } from "../shared/comments.ts";
import { CONTROL_PLANE_NAME, controlPlaneCommand, controlPlaneEnv, isBundledControlPlane, isBundledImage, reservedNames } from "../shared/control_plane.ts";
import { listeners } from "../shared/listeners.ts";
import { assignNames } from "../shared/naming.ts";
import { flagsReplacedByCommand, NOT_PASSED } from "../shared/not_passed.ts";
import { prefixed } from "../shared/prefix.ts";
import { secretVariables } from "../shared/secrets.ts";
import { activeTls, tlsCaveats, tlsSources } from "../shared/tls.ts";
import { componentsById, wiredEnv } from "../shared/wiring.ts";
import { LOCAL_RUNTIME } from "./local_runtime.ts";
import { shellPath, shellWord } from "./shell_words.ts";
import { controlPlaneTlsWords, tlsBinds, tlsCheckLines, tlsEnvWord } from "./local_tls.ts";

const HOST = "127.0.0.1";

const fidelity: Fidelity = {
  pipeline: {
    name: used("the script's comments, container names `flowctl-<name>-<component>` and named volumes `<name>_<volume>`"),
    namespace: dropped("everything runs on this machine, which has no namespaces", "keep it for the cluster targets"),
    description: used("a comment at the top of run.sh"),
    labels: dropped("processes have no labels, and run.sh starts containers without them", "keep them for the other targets"),
    annotations: dropped("processes have no annotations, and run.sh starts containers without them", "keep them for the other targets"),
    config: NOT_PASSED.config,
  },
  controlPlane: {
    enabled: used("run.sh starts it first and waits for it; `false` starts none and sets no FLOWCTL_* env"),
    image: used("`flowctl/control-plane` runs as `$FLOWCTL controlplane` (this machine's flowctl); another image with `docker run`"),
    command: used("the arguments of its image"),
    port: used("its gRPC port on 127.0.0.1 and `FLOWCTL_ENDPOINT`"),
    heartbeatInterval: used("every component's `FLOWCTL_HEARTBEAT_INTERVAL`"),
    heartbeatTTL: partly("its `--heartbeat-ttl`", "a `command` of your own replaces the flags (W_TARGET_DROPPED)"),
    storage: dropped(
      "run.sh keeps the control plane's store in FLOWCTL_STATE_DIR (default: .flowctl beside it), not in a named volume",
      "set FLOWCTL_STATE_DIR when you run it",
    ),
    tls: partly(
      "the files stay in `$FLOWCTL_TLS_DIR` (default: `<dir>` beside run.sh; `flowctl run` sets it to `<dir>` beside the pipeline file), which run.sh checks before it starts anything (each file readable, each key open to its owner only, as ssh does); the control plane's `--tls-*` flags point there, as do the `FLOWCTL_TLS_*` of processes; containers get the files bound at /etc/flowctl/tls; run.sh waits for the control plane's TCP port, since bash cannot speak TLS",
      "a control-plane `command` of your own gets no flags (W_TARGET_CAVEAT); without a control plane, tls is left out (W_TARGET_DROPPED)",
    ),
  },
  component: {
    image: used("`docker run --rm --network host <image>` (this needs a Docker engine)"),
    command: used("the program and its arguments (with an image: `--entrypoint` and the arguments)"),
    args: used("the program's arguments"),
    inputs: used("start order, `FLOWCTL_INPUT_<ID>=127.0.0.1:<port>`; run.sh waits for each upstream's health endpoint first"),
    dependsOn: used("start order; run.sh waits for their health endpoints first"),
    env: partly("`env NAME=VALUE… program` (docker: `-e NAME`)", "a name with `=` or a NUL byte cannot be passed (E_TARGET_UNSUPPORTED)"),
    secrets: used(
      "`NAME=$<SECRET>_<KEY>` from run.sh's own environment (`flowctl run --env-file FILE` reads a file into it); run.sh stops before starting anything, naming what is unset, and writes no value anywhere",
    ),
    ports: partly(
      "every port is a port of this machine: two components (or one and the control plane) on one port are E_PORT_CONFLICT",
      "`hostPort` is not mapped (W_TARGET_CAVEAT)",
    ),
    volumes: partly(
      "`docker run -v`: named volumes scoped by the pipeline; host paths with `~` and `$VAR` expanded, relative ones from run.sh's folder",
      "a component without an image sees this machine's files: its volumes are not mounted (W_TARGET_DROPPED)",
    ),
    files: partly(
      "written by run.sh when it starts into `$FLOWCTL_STATE_DIR/files/<component>/<path>`: an image component gets each bound read-only at its path (`docker run -v`)",
      "a process cannot see a file at its path: it gets `FLOWCTL_FILES_DIR`, and the file is at `$FLOWCTL_FILES_DIR<path>`; a path with `:` cannot be bound (E_TARGET_UNSUPPORTED)",
    ),
    health: used("run.sh waits for `GET http://127.0.0.1:<port><path>` (bash's /dev/tcp) before starting what reads from it"),
    replicas: partly("`0` is not started", "above 1 runs once (W_TARGET_CAVEAT)"),
    resources: dropped("run.sh sets no CPU or memory limits on processes or containers", "keep them for the other targets"),
    restartPolicy: used("restarts after an exit as the policy says (default `on-failure`), backing off 1, 2, 4 … 30 s, at most `--max-restarts` times"),
    description: used("a comment above the component in run.sh"),
    inputEventTypes: NOT_PASSED.inputEventTypes,
    outputEventTypes: NOT_PASSED.outputEventTypes,
    healthEndpoint: NOT_PASSED.healthEndpoint,
  },
};

export const local: Generator = {
  name: "local",
  aliases: ["process"],
  description: "run.sh, which runs the pipeline on this machine (processes, and docker for images)",
  options: [
    {
      name: "control-plane-http-port",
      type: "port",
      description: "the control plane's HTTP port (/health, /metrics); default: the first port above its gRPC port that no component uses",
    },
    {
      name: "max-restarts",
      type: "integer",
      minimum: 0,
      maximum: 1000,
      default: 5,
      description: "restarts of a crashed component before run.sh gives up on it",
    },
    {
      name: "health-timeout",
      type: "integer",
      minimum: 1,
      maximum: 86400,
      default: 60,
      description: "seconds to wait for a component's health endpoint",
    },
    { name: "stop-grace", type: "integer", minimum: 0, maximum: 3600, default: 10, description: "seconds between SIGTERM and SIGKILL when stopping" },
  ],
  fidelity,
  prefix: "containers are `flowctl-<prefix>-<name>-<component>` and docker volumes `<prefix>-<name>_<volume>`",
  declinedOptions: {
    "network-policies": {
      why: "run.sh runs every component on this machine's network, where any process reaches any port",
      hint: "use -t kubernetes for ingress rules",
    },
  },
  generate,
};

/** How run.sh runs the control plane; `flowctl run` starts the same one inside its own process. */
export interface LocalControlPlane {
  /** flowctl's own control plane as is: this machine's flowctl can serve it. */
  bundled: boolean;
  address: string;
  port: number;
  /** Its HTTP port (/health, /metrics): the option, else the first port above gRPC that no component uses. */
  httpPort: number;
  heartbeatTTL: string;
}

export function localControlPlane(ir: PipelineIR, options: GeneratorOptions): LocalControlPlane {
  const cp = ir.controlPlane;
  const given = options["control-plane-http-port"];
  let httpPort = given === undefined ? cp.port + 1 : Number(given);
  if (given === undefined) {
    const used = new Set(running(ir).flatMap((c) => listeners(c).map((l) => l.port)));
    while (used.has(httpPort)) httpPort++;
  }
  return { bundled: isBundledControlPlane(cp), address: HOST, port: cp.port, httpPort, heartbeatTTL: cp.heartbeatTTL };
}

/** Components run.sh starts: all but those with replicas: 0. */
function running(ir: PipelineIR): ComponentIR[] {
  return ir.components.filter((c) => c.replicas !== 0);
}

/** What the per-component unit needs of the whole script. */
interface Context {
  ir: PipelineIR;
  names: Map<string, string>;
  pipeline: string;
  prefix: string;
  awaited: Set<string>;
  diagnostics: Diagnostic[];
}

function generate(ir: PipelineIR, given: GeneratorOptions): GeneratorResult {
  const options = resolveOptions(local, given).values;
  const diagnostics: Diagnostic[] = [];
  const cp = ir.controlPlane;
  const plan = localControlPlane(ir, options);
  const { names, diagnostics: nameProblems } = assignNames(
    ir,
    "local",
    (id) => id.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "component",
    reservedNames(ir),
  );
  diagnostics.push(...nameProblems);
  // Containers and docker volumes are named after the pipeline, with the request's prefix.
  const pipeline = safeName(prefixed(ir, ir.name));
  diagnostics.push(...portClashes(running(ir), cp.enabled ? [cp.port, ...(plan.bundled ? [plan.httpPort] : [])] : []));
  if (cp.enabled) diagnostics.push(...flagsReplacedByCommand(cp, "local"));
  diagnostics.push(...tlsCaveats(cp, "local"));
  const tls = activeTls(cp);

  const lines: string[] = [
    "#!/usr/bin/env bash",
    "# The runtime below is the same for every pipeline, so some of its functions go unused:",
    "# shellcheck disable=SC2317",
    `# Runs pipeline ${JSON.stringify(ir.name)} on this machine: the control plane, then each component`,
    "# in order. Crashed components are restarted; Ctrl-C or SIGTERM stops them in reverse order.",
    ...(ir.description === undefined ? [] : ["#", ...comment(ir.description)]),
    `# Generated by flowctl ${VERSION} (-t local) from ${ir.origin.file}; change the pipeline, not this file.`,
    "#",
    "# Environment:",
    "#   FLOWCTL                the flowctl executable that serves the control plane (default: flowctl)",
    `#   FLOWCTL_CONTROL_PLANE  "external": do not start one, use the one at ${HOST}:${cp.port}`,
    "#   FLOWCTL_LOG_DIR        where <component>.log files go (default: logs beside this script)",
    "#   FLOWCTL_STATE_DIR      the control plane's store (default: .flowctl beside this script)",
    ...(tls ? [`#   FLOWCTL_TLS_DIR        the files of flowctl tls certs (default: ${tls.dir} beside this script)`] : []),
    "# Components with an image run with docker run --network host: they need a Docker engine.",
    "set -uo pipefail",
    'here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]:-$0}")" && pwd) || exit 1',
    `max_restarts=${Number(options["max-restarts"])}`,
    `health_timeout=${Number(options["health-timeout"])}`,
    `stop_grace=${Number(options["stop-grace"])}`,
    "",
    LOCAL_RUNTIME.trimEnd(),
    "",
  ];
  lines.push(...secretCheck(ir));
  // Only the control plane's files that run.sh hands it: a command of your own for this machine's flowctl gets none.
  if (tls) lines.push(...tlsCheckLines(tls, running(ir), !(isBundledImage(cp) && cp.command)));
  if (ir.components.some((c) => c.files.length)) {
    lines.push(
      "# The components' files, written when run.sh starts (an absolute folder: docker binds need one).",
      'files_dir=$(mkdir -p -- "$state_dir/files" && cd -- "$state_dir/files" && pwd) || exit 1',
      "# write_file PATH TEXT: writes TEXT to PATH byte for byte (no newline added).",
      'write_file() { mkdir -p -- "$(dirname -- "$1")" && printf \'%s\' "$2" >"$1"; }',
      "",
    );
  }
  if (cp.enabled) lines.push(...controlPlaneLines(ir, plan, `flowctl-${pipeline}-`));
  lines.push("first_component=${#supervisors[@]}", "");

  const ctx: Context = { ir, names, pipeline, prefix: `flowctl-${pipeline}-`, awaited: new Set(), diagnostics };
  for (const c of ir.components) lines.push(...atPlace(c.origin, () => componentLines(c, ctx)));
  lines.push('wait_all "$first_component"', "");
  return { files: [{ path: "run.sh", content: lines.join("\n"), executable: true }], diagnostics };
}

function controlPlaneLines(ir: PipelineIR, plan: LocalControlPlane, prefix: string): string[] {
  const cp = ir.controlPlane;
  const tls = activeTls(cp);
  // With TLS another image gets flowctl's command with its flags (as the other targets give it), unless it has its own.
  const args = plan.bundled
    ? ["controlplane", "--address", HOST, "--port", String(cp.port), "--http-port", String(plan.httpPort), "--heartbeat-ttl", cp.heartbeatTTL]
      .map(shellWord).join(" ") + ' --db "$state_dir/registry.db"' + (tls ? ` ${controlPlaneTlsWords(tls)}` : "")
    : (cp.command ?? (tls ? controlPlaneCommand(cp) : [])).map(shellWord).join(" ");
  const container = shellWord(prefix + CONTROL_PLANE_NAME);
  const env = Object.entries(controlPlaneEnv(ir) ?? {});
  const docker = [...(tls ? tlsBinds(tls, "control-plane") : []), ...env.flatMap(([k, v]) => ["-e", shellWord(`${k}=${v}`)])];
  // The default image is flowctl itself: this machine's flowctl runs it. Another image runs with docker.
  return [
    `# The control plane: gRPC on ${HOST}:${cp.port}${plan.bundled ? `, HTTP on ${HOST}:${plan.httpPort}` : ""}.`,
    "if [[ ${FLOWCTL_CONTROL_PLANE:-} != external ]]; then",
    isBundledImage(cp)
      ? `  start ${CONTROL_PLANE_NAME} always ${env.length ? `env -- ${env.map(([k, v]) => shellWord(`${k}=${v}`)).join(" ")} ` : ""}"\${FLOWCTL:-flowctl}" ${args}`
      : `  start_container ${CONTROL_PLANE_NAME} always ${container} docker run --rm --network host --name ${container} ${docker.map((w) => `${w} `).join("")}${
        shellWord(cp.image)
      }${args ? ` ${args}` : ""}`,
    // The bundled one answers /health; another one, or one on TLS (which bash cannot speak), at least accepts connections.
    `  await_healthy ${CONTROL_PLANE_NAME} ${plan.bundled && !tls ? `${plan.httpPort} /health` : `${cp.port} ''`}`,
    "fi",
  ];
}

function componentLines(c: ComponentIR, ctx: Context): string[] {
  const { ir, names, diagnostics } = ctx;
  const name = names.get(c.id)!;
  if (c.replicas === 0) return [`# ${c.kind} ${shellComment(c.id)} has replicas: 0 and is not started.`, ""];
  const tls = activeTls(ir.controlPlane);
  const wired = wiredEnv(ir, c, {
    target: "local",
    controlPlaneAddress: `${HOST}:${ir.controlPlane.port}`,
    componentAddress: (_u, port) => `${HOST}:${port}`,
    // A process reads its files in the tls dir (made absolute by tlsEnvWord); a container where every container does.
    ...(!c.image && { tlsPaths: tlsSources(c) }),
  });
  diagnostics.push(...wired.diagnostics, ...caveats(c));
  const problem = unpassable(c, wired.env);
  if (problem) {
    diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", problem.origin, problem.message, problem.hint));
    return [];
  }
  const unbindable = c.image ? c.files.find((f) => f.path.includes(":")) : undefined;
  if (unbindable) {
    diagnostics.push(diagnostic("E_TARGET_UNSUPPORTED", unbindable.origin,
      `file ${JSON.stringify(unbindable.path)} of "${c.id}" cannot be bound with docker run -v: its path holds ':'`, "choose a path without ':'"));
    return [];
  }
  const policy = c.restartPolicy ?? "on-failure";
  // A secret's word expands the variable run.sh was given: its value is never in this file.
  const secrets = Object.entries(c.secrets).map(([k, ref]) => `"${k}=\${${ref.variable}}"`);
  // Files are written under $files_dir/<name> when run.sh starts: a process is told where, a container gets each at its path.
  const filesEnv = c.files.length && !c.image ? [`"FLOWCTL_FILES_DIR=$files_dir/${name}"`] : [];
  const env = [...Object.entries(wired.env).map(([k, v]) => tlsEnvWord(k, v, !c.image && tls !== undefined) ?? shellWord(`${k}=${v}`)), ...secrets, ...filesEnv];
  const lines = [
    `# ${c.kind} ${shellComment(c.id)}${c.image ? ` (image ${shellComment(c.image)})` : ""}`,
    ...(c.description === undefined ? [] : comment(c.description)),
    ...c.files.map((f) => `write_file "$files_dir/${name}"${shellWord(f.path)} ${shellWord(f.content)}`),
  ];
  const byId = componentsById(ir);
  for (const id of [...c.inputs, ...c.dependsOn]) {
    const upstream = byId.get(id)!;
    if (!upstream.health || upstream.replicas === 0 || ctx.awaited.has(id)) continue;
    ctx.awaited.add(id);
    lines.push(`await_healthy ${shellWord(names.get(id)!)} ${upstream.health.port} ${shellWord(upstream.health.path)}`);
  }
  if (c.image) {
    const container = shellWord(ctx.prefix + name);
    const docker = [
      "docker run --rm --network host --name",
      container,
      ...[...Object.keys(wired.env), ...Object.keys(c.secrets)].flatMap((k) => ["-e", shellWord(k)]),
      ...c.volumes.flatMap((v) => ["-v", volumeWord(ctx.pipeline, v)]),
      ...c.files.flatMap((f) => ["-v", `"$files_dir/${name}"${shellWord(`${f.path}:${f.path}:ro`)}`]),
      ...(tls ? tlsBinds(tls, c) : []),
      ...(c.command?.length ? ["--entrypoint", shellWord(c.command[0])] : []),
      shellWord(c.image),
      ...[...(c.command?.slice(1) ?? []), ...c.args].map(shellWord),
    ];
    lines.push(continued([`start_container ${shellWord(name)} ${policy} ${container} env --`, ...env, docker.join(" ")]));
  } else {
    const argv = [...c.command!, ...c.args].map(shellWord);
    lines.push(continued([`start ${shellWord(name)} ${policy} env --`, ...env, argv.join(" ")]));
  }
  lines.push("");
  return lines;
}

/** Stops run.sh before it starts anything when a secret's variable is not in its environment. */
function secretCheck(ir: PipelineIR): string[] {
  const secrets = secretVariables(ir);
  if (!secrets.length) return [];
  return [
    "# Secrets, read from this script's environment and never written anywhere:",
    ...secrets.map((s) => `#   ${s.variable}  (secret ${s.secret}, key ${s.key})`),
    "missing=()",
    `for variable in ${secrets.map((s) => s.variable).join(" ")}; do`,
    '  [[ -n ${!variable+set} ]] || missing+=("$variable")',
    "done",
    'if ((${#missing[@]})); then',
    '  say "set ${missing[*]} in the environment: the pipeline reads secrets from there"',
    "  exit 1",
    "fi",
    "",
  ];
}

/** A name docker accepts for containers and volumes. */
function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "pipeline";
}

/** Long command lines, one env entry per line. */
function continued(parts: string[]): string {
  return parts.join(" \\\n  ");
}

function shellComment(text: string): string {
  return JSON.stringify(text).replace(/[\r\n]/g, " ");
}

/** A description as comment lines of the script. */
function comment(text: string): string[] {
  return commentLines(text).map((line) => `#${line ? ` ${line}` : ""}`);
}

/** `-v` for docker run: named volumes scoped by the pipeline (as compose does), host paths as paths. */
function volumeWord(pipeline: string, v: ComponentIR["volumes"][number]): string {
  const target = shellWord(`:${v.mountPath}${v.readonly ? ":ro" : ""}`);
  if (v.hostPath) return shellPath(v.hostPath) + target;
  return shellWord(`${pipeline}_${v.name}`) + target;
}

/** What cannot reach a process through `env` and argv: NUL bytes, `=` in names, `=` in a program name. */
function unpassable(
  c: ComponentIR,
  env: Record<string, string>,
): { origin: Location; message: string; hint: string } | undefined {
  for (const [k, v] of Object.entries(env)) {
    if (!k || k.includes("=") || k.includes("\0") || v.includes("\0")) {
      return {
        origin: c.env[k]?.origin ?? c.origin,
        message: `env ${JSON.stringify(k)} of "${c.id}" cannot be passed to a process (a name with "=" or a NUL byte)`,
        hint: "rename the variable, or remove the NUL byte",
      };
    }
  }
  const argv = [...(c.command ?? []), ...c.args];
  if (argv.some((a) => a.includes("\0"))) {
    return { origin: c.origin, message: `"${c.id}" has a NUL byte in its command or args`, hint: "remove it" };
  }
  // env(1) would read a program name with "=" as one more variable.
  if (!c.image && c.command![0].includes("=")) {
    return {
      origin: c.origins.command ?? c.origin,
      message: `the program ${JSON.stringify(c.command![0])} of "${c.id}" has "=" in its name, which env(1) reads as a variable`,
      hint: "rename the program, or call it through a path without =",
    };
  }
  return undefined;
}

/** Settings that mean something else when everything runs on one machine. */
function caveats(c: ComponentIR): Diagnostic[] {
  const out: Diagnostic[] = [];
  if ((c.replicas ?? 1) > 1) {
    out.push(diagnostic(
      "W_TARGET_CAVEAT",
      c.origins.replicas ?? c.origin,
      `"${c.id}" has ${c.replicas} replicas; the local target runs one`,
      "replicas would share ports on one machine; use a cluster target to scale",
    ));
  }
  for (const p of c.ports) {
    if (p.hostPort !== undefined && p.hostPort !== p.containerPort) {
      out.push(diagnostic(
        "W_TARGET_CAVEAT",
        p.origin,
        `"${c.id}" listens on ${p.containerPort} directly on this machine; hostPort ${p.hostPort} is not mapped locally`,
        "on the local target there is no port mapping: every port is a port of this machine",
      ));
    }
  }
  if (!c.image && c.volumes.length) {
    out.push(diagnostic(
      "W_TARGET_DROPPED",
      c.origins.volumes ?? c.origin,
      `"${c.id}" runs as a process, which sees this machine's files; its volumes are not mounted`,
      "use paths on this machine in the command's arguments or env",
    ));
  }
  return out;
}

/** Every port each running component listens on must be free of the others and of the control plane's. */
function portClashes(running: ComponentIR[], controlPlanePorts: number[]): Diagnostic[] {
  const owner = new Map<number, string>();
  for (const p of controlPlanePorts) owner.set(p, "the control plane");
  const out: Diagnostic[] = [];
  for (const c of running) {
    const mine = new Map<number, Location>();
    // A port that is both the serving port from env and the health port is reported at the health port.
    for (const l of listeners(c)) if (!mine.has(l.port)) mine.set(l.port, !l.declared && l.health ? c.health!.portOrigin : l.origin);
    for (const [port, origin] of mine) {
      const other = owner.get(port);
      if (other !== undefined) {
        out.push(diagnostic(
          "E_PORT_CONFLICT",
          origin,
          `"${c.id}" listens on port ${port}, which ${other} uses; on the local target all components share this machine's ports`,
          other === "the control plane"
            ? "use another port, or move the control plane (spec.controlPlane.port, --control-plane-http-port)"
            : "give one of them another port",
        ));
      } else owner.set(port, `"${c.id}"`);
    }
  }
  return out;
}
