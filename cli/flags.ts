/** Command-line flags: parsed by one function, typed by the commands that declare them. */
import type { GeneratorOptions, GeneratorRegistry } from "../generators/generator.ts";
import { parseDuration } from "../generators/shared/duration.ts";
import type { PrefixAndRegistry } from "../translate/prefix_registry.ts";
import { describeProblem, parseOptionTexts, type RequestProblem, targetList } from "../translate/request.ts";
import { UsageError } from "./errors.ts";

export interface Flags {
  positional: string[];
  /** Each flag's value (the last, when it was given more than once). */
  values: Record<string, string>;
  /** Every value of each flag, in order (`-f base.yaml -f prod.yaml`, `--set` …). */
  repeated: Record<string, string[]>;
  help: boolean;
}

/** Parses `--name value`, `--name=value` and `-x value` for the value flags a command accepts. */
export function parseFlags(
  args: string[],
  valueFlags: Record<string, string>,
  /** Flags without a value (`--create-namespace`); `--flag=false` turns one off. */
  booleanFlags: Record<string, string> = {},
): Flags {
  const out: Flags = { positional: [], values: {}, repeated: {}, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      out.help = true;
      continue;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      out.positional.push(arg);
      continue;
    }
    if (arg === "--") {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg];
    if (booleanFlags[flag]) {
      if (inline !== undefined && inline !== "true" && inline !== "false") {
        throw new UsageError(`option ${flag} is true or false, not ${JSON.stringify(inline)}`);
      }
      out.values[booleanFlags[flag]] = inline ?? "true";
      continue;
    }
    const name = valueFlags[flag];
    if (!name) throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`option ${flag} needs a value`);
    out.values[name] = value;
    (out.repeated[name] ??= []).push(value);
  }
  return out;
}

/** `--no-cache`: check with CUE itself, neither reading nor writing its cached answers. */
export const CACHE_FLAGS = { "--no-cache": "noCache" } as const;

/** How a command that declared CACHE_FLAGS wants its CUE engine. */
export function cueOptions(flags: Flags): { cache: boolean } {
  return { cache: flags.values.noCache !== "true" };
}

export function formatFlag(flags: Flags): "text" | "json" {
  const format = flags.values.format ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, not ${JSON.stringify(format)}`);
  return format;
}

const OPTION = "option:";

/** Every option of the targets (default: all) as a flag: `--name VALUE`, or `--name` for booleans. */
export function targetOptionFlags(registry: GeneratorRegistry, targets: readonly string[] = registry.names()) {
  const values: Record<string, string> = {};
  const booleans: Record<string, string> = {};
  for (const name of targets) {
    for (const o of registry.get(name)!.options ?? []) (o.type === "boolean" ? booleans : values)[`--${o.name}`] = OPTION + o.name;
  }
  return { values, booleans };
}

/** The target options given as flags, typed as their declarations say (which target owns each is checked later). */
export function targetOptions(flags: Flags, registry: GeneratorRegistry): GeneratorOptions {
  const entries = Object.entries(flags.values).filter(([key]) => key.startsWith(OPTION))
    .map(([key, text]): [string, string] => [key.slice(OPTION.length), text]);
  const { options, problems } = parseOptionTexts(entries, registry);
  if (problems.length) throw usageError(problems);
  return options;
}

/** `-o`/`--output` and `-t`/`--target` both choose the targets, as the Go flowctl's `-o docker-compose` did. */
export const TARGET_FLAGS = { "-o": "output", "--output": "output", "-t": "target", "--target": "target" } as const;

/**
 * The targets chosen with -o or -t (a comma-separated list, or all). A value
 * of -o that names no target is most likely a folder, as -o was before it
 * named targets, so the error says where folders and files go now.
 */
export function chosenTargets(flags: Flags, registry: GeneratorRegistry): string[] | "all" | undefined {
  const { output, target } = flags.values;
  if (output === undefined) return targetList(target);
  // Before the clash with -t: the older `-t nomad -o deploy` gets this message.
  const chosen = targetList(output);
  const unknown = chosen === undefined ? output : chosen === "all" ? undefined : chosen.find((t) => !registry.get(t));
  if (unknown !== undefined) {
    throw new UsageError(
      `-o names a target now, and ${JSON.stringify(unknown)} is none (${registry.names().join(", ")}, an alias such as k8s, or all); ` +
        "to write files, use --output-dir DIR (or --to-file FILE)",
    );
  }
  if (target !== undefined) throw new UsageError("-o and -t both choose the targets; give one of them");
  return chosen;
}

/** `--prefix P` and `--registry R`, which every target applies (translate/prefix_registry.ts). */
export const PREFIX_REGISTRY_FLAGS = { "--prefix": "prefix", "--registry": "registry", "--control-plane-image": "controlPlaneImage" } as const;

export function prefixAndRegistry(flags: Flags): PrefixAndRegistry {
  return { prefix: flags.values.prefix, imageRegistry: flags.values.registry, controlPlaneImage: flags.values.controlPlaneImage };
}

/** Request problems as the command line says them: `--name`, and `-t TARGET` to choose a target. */
export function usageError(problems: readonly RequestProblem[]): UsageError {
  return new UsageError(problems.map((p) => describeProblem(p, (o) => `--${o}`, (t) => `add -t ${t}`)).join("; "));
}

export function portFlag(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${flag} needs a port number 0-65535, not ${JSON.stringify(text)}`);
  return n;
}

export function durationFlag(flag: string, text: string): number {
  const ns = parseDuration(text);
  if (!ns) throw new UsageError(`${flag} needs a duration such as 30s or 1m, not ${JSON.stringify(text)}`);
  return Math.max(1, Math.round(ns / 1e6));
}
