/**
 * flowctl: compiles pipeline files (sources, processors and sinks wired by
 * `inputs`) into docker-compose files, Kubernetes manifests, Nomad jobs and
 * local run scripts. Everything here is a pure function of its arguments and
 * uses no Deno-only API, so it runs on Deno, on Node and in a browser. Only
 * the CUE evaluator needs a host: `loadCue` from `@flowctl/flowctl/deno` on
 * Deno, or from the npm package `flowctl` on Node.
 *
 * ```ts
 * import { compile } from "@flowctl/flowctl";
 * import { loadCue } from "@flowctl/flowctl/deno";
 *
 * const cue = await loadCue();
 * const result = compile(pipelineText, { filename: "pipeline.yaml", cue, target: "kubernetes" });
 * for (const d of result.diagnostics) console.log(d.code, d.line, d.column, d.message);
 * for (const f of result.files) console.log(f.path, f.content.length);
 * ```
 *
 * A target of your own is a `Generator` (a name and a function from the IR to
 * files); `registerGenerator` makes `compile` and `generate` know it.
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
} from "./translate/compile.ts";
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
export {
  BUILTIN_GENERATORS,
  defaultRegistry,
  dockerCompose,
  kubernetes,
  local,
  nomad,
  registerGenerator,
  registeredGenerators,
} from "./generators/mod.ts";
export { type Drift, drift } from "./translate/drift.ts";
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
