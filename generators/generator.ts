/**
 * The generator plugin interface and the registry that maps target names to
 * generators. A generator is a plain object; it reads only the IR and its
 * options (no environment, clock or files), so its output is deterministic.
 */
import type { Diagnostic } from "../compiler/diagnostics.ts";
import type { PipelineIR } from "../compiler/ir.ts";
import type { Fidelity } from "./fidelity.ts";

export interface OutputFile {
  /** Relative path, `/`-separated. */
  path: string;
  content: string;
  /** Written with the executable bit (scripts). */
  executable?: boolean;
}

export interface GeneratorResult {
  files: OutputFile[];
  /** What the target could not express, with the component's position. */
  diagnostics: Diagnostic[];
}

export type OptionValue = string | number | boolean;

/** Target-specific settings, keyed by option name, passed through from the CLI or library caller. */
export type GeneratorOptions = Record<string, OptionValue | undefined>;

/** A setting a generator accepts; the CLI offers each one as `--<name>`. */
export interface GeneratorOption {
  /** Lower-case words joined by '-', e.g. `create-namespace`. */
  name: string;
  type: "string" | "number" | "boolean";
  description: string;
  /** Used when the caller gives no value. */
  default?: OptionValue;
  /** The allowed values of a string option. */
  choices?: readonly string[];
}

export interface Generator {
  /** The target name used with `-t`. */
  name: string;
  /** Other names that select it (`k8s` for `kubernetes`). */
  aliases?: readonly string[];
  description: string;
  options?: readonly GeneratorOption[];
  /** What it does with each setting a user can write (see fidelity.ts; `declareFidelity` for your own). */
  fidelity: Fidelity;
  /**
   * The target's files. Report what the target cannot express as diagnostics;
   * fields declared dropped in `fidelity` are reported by the translator.
   */
  generate(ir: PipelineIR, options: GeneratorOptions): GeneratorResult;
  /** How several files print as one stream when no output directory is given (Kubernetes: `---`). */
  concat?(files: readonly OutputFile[]): string;
}

/** Target name → generator. Library users make their own (`defaultRegistry().register(mine)`) and pass it. */
export class GeneratorRegistry {
  private byName = new Map<string, Generator>();

  constructor(generators: readonly Generator[] = []) {
    for (const g of generators) this.register(g);
  }

  register(generator: Generator): this {
    for (const name of [generator.name, ...(generator.aliases ?? [])]) this.byName.set(name, generator);
    return this;
  }

  get(name: string): Generator | undefined {
    return this.byName.get(name);
  }

  /** Canonical target names, sorted. */
  names(): string[] {
    return [...new Set([...this.byName.values()].map((g) => g.name))].sort();
  }
}

/**
 * The generator's options with defaults filled in; problems (an unknown name,
 * a wrong type, a value outside `choices`) are returned as messages.
 */
export function resolveOptions(
  generator: Generator,
  given: GeneratorOptions,
): { values: Record<string, OptionValue>; problems: string[] } {
  const values: Record<string, OptionValue> = {};
  const problems: string[] = [];
  const known = new Map((generator.options ?? []).map((o) => [o.name, o]));
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const option = known.get(name);
    if (!option) {
      problems.push(`target ${generator.name} has no option "${name}"`);
    } else if (typeName(value) !== option.type) {
      problems.push(`option "${name}" of target ${generator.name} takes a ${option.type}, not ${JSON.stringify(value)}`);
    } else if (option.choices && !option.choices.includes(value as string)) {
      problems.push(`option "${name}" of target ${generator.name} is one of ${option.choices.join(", ")}, not ${JSON.stringify(value)}`);
    } else {
      values[name] = value;
    }
  }
  for (const o of known.values()) {
    if (values[o.name] === undefined && o.default !== undefined) values[o.name] = o.default;
  }
  return { values, problems };
}

function typeName(value: OptionValue): string {
  return typeof value;
}

/** An option's value from text (a command-line flag, an Action input): typed as the option says. */
export function parseOptionText(option: GeneratorOption, text: string): OptionValue | undefined {
  if (option.type === "number") {
    const n = Number(text);
    return text.trim() === "" || !Number.isFinite(n) ? undefined : n;
  }
  if (option.type === "boolean") return text === "true" ? true : text === "false" ? false : undefined;
  return text;
}
