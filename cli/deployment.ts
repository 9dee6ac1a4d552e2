/**
 * What `flowctl apply`, `delete` and `status` share: their flags, and the
 * way from a pipeline file to a deployment (deploy/) — translate it for one
 * target, in memory, and work out the engine's commands for the files in the
 * pipeline's state folder, `<state-dir>/<target>/<pipeline>/`.
 */
import type { PipelineIR } from "../compiler/ir.ts";
import { deployableTargets, type Deployment, deployment } from "../deploy/mod.ts";
import type { GeneratorOptions } from "../generators/generator.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { prefixed } from "../generators/shared/prefix.ts";
import { applyPrefixAndRegistry } from "../translate/prefix_registry.ts";
import { hasFailures, hasInternalErrors, translate } from "../translate/translate.ts";
import { EXIT, InputError, UsageError } from "./errors.ts";
import {
  chosenTargets,
  type Flags,
  formatFlag,
  parseFlags,
  PREFIX_REGISTRY_FLAGS,
  prefixAndRegistry,
  TARGET_FLAGS,
  targetOptionFlags,
  targetOptions,
  usageError,
} from "./flags.ts";
import type { Io } from "./io.ts";
import { folderOf } from "./input.ts";
import { readStack, refuseSetProblems, STACK_FLAGS, stackArgs } from "./stack.ts";
import { printDiagnostics } from "./output.ts";

export type DeployCommand = "apply" | "delete" | "status";

export interface Prepared {
  deployment: Deployment;
  pipeline: PipelineIR;
  /** The first file as the user named it. */
  file: string;
  /** `-f FILE` for every file, then `--set PATH=VALUE` for every setting: the pipeline as given, for the commands apply runs or suggests. */
  pipelineArgs: string[];
  flags: Flags;
  format: "text" | "json";
  dryRun: boolean;
  /** The target options the user gave (an engine's needs never override them). */
  given: GeneratorOptions;
}

/** Every command's flags; each command refuses those that are not its own. */
const VALUE_FLAGS = {
  ...STACK_FLAGS,
  ...TARGET_FLAGS,
  ...PREFIX_REGISTRY_FLAGS,
  "--state-dir": "stateDir",
  "--timeout": "timeout",
  "--format": "format",
} as const;
const BOOLEAN_FLAGS = { "--dry-run": "dryRun", "--volumes": "volumes" } as const;
const OWN: Record<DeployCommand, string[]> = {
  apply: ["--dry-run", "--timeout"],
  delete: ["--dry-run", "--volumes"],
  status: ["--format"],
};
const DEFAULT_TIMEOUT_SECONDS = 300;

/** Reads the flags; undefined when they asked for help (printed). */
export function deployFlags(command: DeployCommand, args: string[], io: Io, help: string): Flags | undefined {
  const registry = defaultRegistry();
  const optionFlags = targetOptionFlags(registry);
  const flags = parseFlags(args, { ...VALUE_FLAGS, ...optionFlags.values }, { ...BOOLEAN_FLAGS, ...optionFlags.booleans });
  if (flags.help) {
    io.stdout(help);
    return undefined;
  }
  const notOwn = Object.entries({ ...VALUE_FLAGS, ...BOOLEAN_FLAGS })
    .filter(([flag, key]) => flags.values[key] !== undefined && Object.values(OWN).flat().includes(flag) && !OWN[command].includes(flag));
  if (notOwn.length) throw new UsageError(`${command} has no ${notOwn[0][0]} (run flowctl ${command} --help)`);
  return flags;
}

/**
 * Translates the pipeline for the target and works out its deployment. A
 * number is the exit status when it cannot (the diagnostics are printed).
 * `engineOptions` are what a preflight check found the engine needs.
 */
export async function prepare(
  command: DeployCommand,
  flags: Flags,
  io: Io,
  engineOptions: GeneratorOptions = {},
  { quiet = false }: { quiet?: boolean } = {},
): Promise<Prepared | number> {
  const registry = defaultRegistry();
  const { files, set } = stackArgs(flags, command);
  const file = files[0];
  const chosen = chosenTargets(flags, registry);
  if (chosen === "all" || (chosen && chosen.length > 1)) throw new UsageError(`${command} works with one target at a time: give -o TARGET`);
  if (file === "-" && chosen?.length === 1 && registry.get(chosen[0])?.name === "local") throw localFromStdin(command);
  const given = targetOptions(flags, registry);
  const naming = prefixAndRegistry(flags);
  const format = formatFlag(flags);
  const { input, overlays, sources } = await readStack(flags, command, io);
  const result = translate({
    pipelines: [input],
    overlays,
    set,
    sources,
    targets: chosen,
    options: { ...engineOptions, ...given },
    cue: await io.cue(),
    registry,
    ...naming,
  });
  if (result.problems.length) throw usageError(result.problems);
  const translated = result.files[0];
  refuseSetProblems(translated.diagnostics);
  const target = translated.targets[0];
  if (!quiet) {
    printDiagnostics(translated.diagnostics, io);
    printDiagnostics(target.diagnostics, io);
  }
  if (hasFailures(result)) return hasInternalErrors(result) ? EXIT.internal : EXIT.invalid;
  if (translated.pipelines.length !== 1) {
    throw new InputError(`${input.name} holds ${translated.pipelines.length} pipelines; ${command} takes one pipeline per file`);
  }
  // The IR as the target saw it: the control plane's image may have been replaced.
  const pipeline = applyPrefixAndRegistry(translated.pipelines[0], naming);
  if (!deployableTargets().includes(target.target)) {
    throw new UsageError(`flowctl ${command} knows no engine for target ${target.target}: use ${deployableTargets().join(", ")}`);
  }
  if (target.target === "local" && file === "-") throw localFromStdin(command);
  const name = prefixed(pipeline, pipeline.name);
  const stateDir = (flags.values.stateDir ?? ".flowctl").replace(/\/+$/, "") || "/";
  const plan = deployment(target.target, {
    ir: pipeline,
    files: target.files,
    dir: `${stateDir}/${target.target}/${name}`,
    volumes: flags.values.volumes === "true",
    timeoutSeconds: timeoutFlag(flags.values.timeout),
    pipelineArgs: pipelineArgs(files, set),
    projectDir: folderOf(file),
    flowctl: io.flowctlCommand(),
    optionArgs: optionArgs(given),
    options: { ...engineOptions, ...given },
  })!;
  return { deployment: plan, pipeline, file, pipelineArgs: pipelineArgs(files, set), flags, format, dryRun: flags.values.dryRun === "true", given };
}

function pipelineArgs(files: readonly string[], set: readonly string[]): string[] {
  return [...files.flatMap((f) => ["-f", f]), ...set.flatMap((s) => ["--set", s])];
}

function localFromStdin(command: DeployCommand): UsageError {
  return new UsageError(`${command} -o local runs the pipeline file again in the background: give -f FILE, not standard input`);
}

/** `--timeout 300`, `--timeout 5m`: whole seconds. */
function timeoutFlag(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_SECONDS;
  const match = /^(\d+)(s|m|h)?$/.exec(text);
  const seconds = match ? Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] as "s" | "m" | "h"] ?? 1) : 0;
  if (!seconds) throw new UsageError(`--timeout needs a time such as 300 (seconds), 90s or 5m, not ${JSON.stringify(text)}`);
  return seconds;
}

/** The given target options as flags again (the local target hands them to flowctl run). */
function optionArgs(options: GeneratorOptions): string[] {
  return Object.entries(options).flatMap(([name, value]) =>
    typeof value === "boolean" ? (value ? [`--${name}`] : []) : [`--${name}`, String(value)]
  );
}
