/**
 * What `flowctl apply`, `delete` and `status` do, as data: the exact commands
 * each engine runs (its CLI, the user's own: docker compose, kubectl, nomad),
 * worked out from the files a target generated. The CLI runs the steps, and
 * with --dry-run prints them; tests compare them with what a stand-in engine
 * received. Nothing here runs anything.
 */
import type { PipelineIR } from "../compiler/ir.ts";
import type { GeneratorOptions, OutputFile } from "../generators/generator.ts";

/** One command of the engine's CLI: the argv, and what it reads on standard input. */
export interface EngineCommand {
  kind: "run";
  argv: string[];
  stdin?: string;
  /** What it is for, for messages: `start the services and wait until they are healthy`. */
  purpose: string;
}

/** Starts a command that outlives flowctl (the local target): its pid and output go into files. */
export interface DetachedCommand {
  kind: "detach";
  argv: string[];
  env: Record<string, string>;
  pidFile: string;
  logFile: string;
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

/** Where the control plane's /api/services is, or how to find out. */
export type ControlPlaneView =
  | { kind: "url"; url: string }
  /** Run the command; its output is `host:port` (docker compose port). */
  | { kind: "port-of"; command: EngineCommand; path: string }
  /** Run the command; its output is the answer itself (kubectl get --raw through the API server). */
  | { kind: "raw"; command: EngineCommand }
  | { kind: "none"; why: string };

export interface Deployment {
  target: string;
  /** The folder the files are written into and the engine reads them from. */
  dir: string;
  files: OutputFile[];
  /** Show that the engine is installed and reachable; a failure's output is the message. */
  preflight: EngineCommand[];
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
  /** The pipeline file, as the user named it (the local target runs it with flowctl run). */
  pipelineFile: string;
  /** The argv that runs this flowctl (`[deno, run, -A, …/cli.ts]`, or its npm bin). */
  flowctl: string[];
  /** The target options given, as flags (the local target passes them on to flowctl run) and as values. */
  optionArgs: string[];
  options: GeneratorOptions;
}

/** A path inside the state folder. */
export function inDir(dir: string, path: string): string {
  return `${dir.replace(/\/+$/, "")}/${path}`;
}

export function run(purpose: string, argv: string[], stdin?: string): EngineCommand {
  return { kind: "run", argv, purpose, ...(stdin === undefined ? {} : { stdin }) };
}
