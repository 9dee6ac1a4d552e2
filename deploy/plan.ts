/**
 * What `flowctl apply`, `delete` and `status` do, as data: the exact commands
 * each engine runs (its CLI, the user's own: docker compose, kubectl, nomad),
 * worked out from the files a target generated. The CLI runs the steps, and
 * with --dry-run prints them; tests compare them with what a stand-in engine
 * received. Nothing here runs anything.
 */
import type { PipelineIR } from "../compiler/ir.ts";
import type { GeneratorOptions, OutputFile } from "../generators/generator.ts";
import { activeTls, inTlsDir } from "../generators/shared/tls.ts";
import { TLS_FILES } from "../generators/shared/tls_files.ts";

/** One command of the engine's CLI: the argv, and what it reads on standard input. */
export interface EngineCommand {
  kind: "run";
  argv: string[];
  stdin?: string;
  /** What it is for, for messages: `start the services and wait until they are healthy`. */
  purpose: string;
}

/** Files to read for a GET over TLS: the CA to trust and, under mutual TLS, the operator's certificate to present. */
export interface TlsFiles {
  ca: string;
  cert?: string;
  key?: string;
}

/**
 * The TLS files an operator on this machine asks the control plane with:
 * those `flowctl tls certs` wrote into the pipeline's tls dir.
 */
export function operatorTls(req: DeployRequest): TlsFiles | undefined {
  const tls = activeTls(req.ir.controlPlane);
  if (!tls) return undefined;
  const file = (name: string) => inDir(req.projectDir, inTlsDir(tls, name));
  return {
    ca: file(TLS_FILES.ca),
    ...(tls.mode === "mutual" && { cert: file(TLS_FILES.operator), key: file(TLS_FILES.operatorKey) }),
  };
}

/** Starts a command that outlives flowctl (the local target): its pid and output go into files. */
export interface DetachedCommand {
  kind: "detach";
  argv: string[];
  env: Record<string, string>;
  pidFile: string;
  logFile: string;
  /** Apply waits until this answers 2xx (the process ending first, or timeoutSeconds passing, is a failure). */
  readyUrl?: string;
  /** The files an https `readyUrl` is asked with. */
  readyTls?: TlsFiles;
  timeoutSeconds: number;
  purpose: string;
}

/** Stops what a DetachedCommand started: SIGTERM to its process group, then waits for it. */
export interface StopCommand {
  kind: "stop";
  pidFile: string;
  purpose: string;
}

/** Makes sure an image is in the local engine, building flowctl's own when it is missing. */
export interface ImageCommand {
  kind: "image";
  image: string;
  purpose: string;
}

export type Step = EngineCommand | DetachedCommand | StopCommand | ImageCommand;

/** What a command printed and how it ended (as the CLI's Io reports it). */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Why it did not start, when it did not. */
  notStarted?: string;
}

/** What a preflight check found: all is well, the target options this engine needs, or why apply cannot go on. */
export type Verdict =
  /** options: what the engine needs (e.g. `start-interval: 0s`); note: why, for the user. */
  | { ok: true; options?: GeneratorOptions; note?: string }
  | { ok: false; problem: string; hint: string };

/** A check run before anything changes: a command, and what its result means. */
export interface Preflight {
  command: EngineCommand;
  judge(result: CommandResult): Verdict;
}

/** Where the control plane's /api/services is, or how to find out. */
export type ControlPlaneView =
  | { kind: "url"; url: string; tls?: TlsFiles }
  /** Run the command; its output is `host:port` (docker compose port); asked over https with `tls`. */
  | { kind: "port-of"; command: EngineCommand; path: string; tls?: TlsFiles }
  /** Run the command; its output is the answer itself (kubectl get --raw through the API server). */
  | { kind: "raw"; command: EngineCommand }
  | { kind: "none"; why: string };

export interface Deployment {
  target: string;
  /** The folder the files are written into and the engine reads them from. */
  dir: string;
  files: OutputFile[];
  /** Show that the engine is installed, new enough and reachable, before anything is written or started. */
  preflight: Preflight[];
  apply: Step[];
  delete: Step[];
  /** The engine's own view of what runs. */
  status: EngineCommand[];
  controlPlane: ControlPlaneView;
}

export interface DeployRequest {
  ir: PipelineIR;
  /** The target's files, as translate made them. */
  files: OutputFile[];
  /** The state folder of this pipeline and target (e.g. .flowctl/docker-compose/ledger). */
  dir: string;
  /** delete also removes volumes and claims (their data). */
  volumes: boolean;
  /** How long to wait for a rollout, in seconds. */
  timeoutSeconds: number;
  /** The pipeline as the command line gave it (`-f FILE`…, `--set …`): the local target runs it so with flowctl run. */
  pipelineArgs: string[];
  /** The folder relative paths in the pipeline (host_path, env files) start from: the pipeline file's. */
  projectDir: string;
  /** The argv that runs this flowctl (`[deno, run, -A, …/cli.ts]`, or its npm bin). */
  flowctl: string[];
  /** The target options given, as flags (the local target passes them on to flowctl run) and as values. */
  optionArgs: string[];
  options: GeneratorOptions;
}

/** The state folder's subfolder for what a running pipeline keeps (local: pid, output, logs, store): apply never removes it as a stale file. */
export const RUNTIME_FOLDER = "run";

/** A path inside the state folder. */
export function inDir(dir: string, path: string): string {
  return `${dir.replace(/\/+$/, "")}/${path}`;
}

export function run(purpose: string, argv: string[], stdin?: string): EngineCommand {
  return { kind: "run", argv, purpose, ...(stdin === undefined ? {} : { stdin }) };
}

/** The first lines of what a command said, for a message. */
export function said(result: CommandResult, lines = 3): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(0, lines).join("\n");
  return text || `exit ${result.code}`;
}

/**
 * A check that passes when the command succeeds. A program that is not
 * installed, or fails, stops apply with `install` as the hint.
 */
export function mustSucceed(purpose: string, argv: string[], install: string): Preflight {
  return {
    command: run(purpose, argv),
    judge: (result) =>
      result.notStarted
        ? { ok: false, problem: `cannot run ${argv[0]} (${result.notStarted})`, hint: install }
        : result.code !== 0
        ? { ok: false, problem: `${argv.join(" ")} failed: ${said(result)}`, hint: install }
        : { ok: true },
  };
}
