/**
 * The generator plugin interface and the registry that maps target names to
 * generators. A generator is a plain object; it reads only the IR and its
 * options (no environment, clock or files), so its output is deterministic.
 */
import type { Diagnostic } from "../compiler/diagnostics.ts";
import type { PipelineIR } from "../compiler/ir.ts";
import type { Fidelity } from "./fidelity.ts";
import type { GeneratorOption, GeneratorOptions } from "./options.ts";

export type { GeneratorOption, GeneratorOptions, OptionKind, OptionValue } from "./options.ts";
export { parseOptionText, resolveOptions } from "./options.ts";

export interface OutputFile {
  /** Relative path, `/`-separated. */
  path: string;
  content: string;
  /** Written with the executable bit (scripts). */
  executable?: boolean;
  /** Readable by its owner only, from the moment it exists (private keys). */
  private?: boolean;
}

/** The file mode an output file is written with. */
export function fileMode(f: OutputFile): number {
  return f.executable ? 0o755 : f.private ? 0o600 : 0o644;
}

export interface GeneratorResult {
  files: OutputFile[];
  /** What the target could not express, with the component's position. */
  diagnostics: Diagnostic[];
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
   * What a name prefix (`ir.prefix`, `--prefix`) changes in this target's
   * output, in words. A target without it applies none, and the translator
   * refuses a prefix for it (E_TARGET_OPTION) rather than drop it unsaid.
   */
  prefix?: string;
  /**
   * Options of other targets that this one cannot honour, by name, with why
   * and what to do instead. When one is set and reaches this target (`-t all`,
   * a list of targets, `spec.driver`), the translator warns (W_TARGET_DROPPED)
   * rather than leave it out unsaid.
   */
  declinedOptions?: Readonly<Record<string, { why: string; hint: string }>>;
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
