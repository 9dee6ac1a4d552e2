/**
 * The generator plugin interface and the registry that maps target names to
 * generators. A generator is a plain object; it reads only the IR and its
 * options (no environment, clock or files), so its output is deterministic.
 */
import type { Diagnostic } from "../compiler/diagnostics.ts";
import type { PipelineIR } from "../compiler/ir.ts";

export interface OutputFile {
  /** Relative path, `/`-separated. */
  path: string;
  content: string;
}

export interface GeneratorResult {
  files: OutputFile[];
  /** What the target could not express, with the component's position. */
  diagnostics: Diagnostic[];
}

/** Target-specific settings, passed through from the CLI or library caller. */
export type GeneratorOptions = Record<string, string | number | boolean | undefined>;

export interface Generator {
  /** The target name used with `-t`. */
  name: string;
  /** Other names that select it (`k8s` for `kubernetes`). */
  aliases?: readonly string[];
  description: string;
  generate(ir: PipelineIR, options: GeneratorOptions): GeneratorResult;
}

/** Target name → generator. Library users can make their own and register more. */
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
