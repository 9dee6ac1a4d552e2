/**
 * flowctl: compiles pipeline files (sources, processors and sinks wired by
 * `inputs`) into docker-compose files, Kubernetes manifests and Nomad jobs.
 *
 * ```ts
 * import { compile, createCueEngine, defaultRegistry } from "./mod.ts";
 * import { loadCueWasm } from "./host/cue_wasm.ts";
 *
 * const cue = await createCueEngine(await loadCueWasm());
 * const result = compile(pipelineText, { filename: "pipeline.yaml", cue, registry: defaultRegistry() });
 * for (const d of result.diagnostics) console.log(d.code, d.line, d.column, d.message);
 * ```
 *
 * @module
 */
export {
  compile,
  type CompileOptions,
  type CompileResult,
  generate,
  type GenerateOptions,
  type GenerateResult,
  validate,
  type ValidateOptions,
  type ValidateResult,
} from "./compiler/compile.ts";
export { type CueEngine, createCueEngine } from "./compiler/cue.ts";
export {
  DIAGNOSTIC_CODES,
  type Diagnostic,
  type DiagnosticCode,
  formatDiagnostic,
  hasErrors,
  type Severity,
} from "./compiler/diagnostics.ts";
export type * from "./compiler/ir.ts";
export { BUILTIN_GENERATORS, defaultRegistry, dockerCompose, kubernetes, local, nomad } from "./generators/mod.ts";
export {
  type Generator,
  type GeneratorOption,
  type GeneratorOptions,
  GeneratorRegistry,
  type GeneratorResult,
  type OptionValue,
  type OutputFile,
  resolveOptions,
} from "./generators/generator.ts";
export { VERSION } from "./version.ts";
