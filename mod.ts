/**
 * flowctl: compiles pipeline files (sources, processors and sinks wired by
 * `inputs`) into docker-compose files, Kubernetes manifests, Nomad jobs and
 * local run scripts. Everything here is a pure function of its arguments and
 * uses no Deno-only API, so it runs on Deno, on Node and in a browser. Only
 * the CUE evaluator needs a host: `loadCue` from `@flowctl/flowctl/deno` on
 * Deno, or from the npm package on Node.
 *
 * ```ts
 * import { translate } from "@flowctl/flowctl";
 * import { loadCue } from "@flowctl/flowctl/deno";
 *
 * const result = translate({
 *   pipelines: [{ name: "pipeline.yaml", text: pipelineText }],
 *   targets: ["kubernetes"],
 *   cue: await loadCue(),
 * });
 * for (const file of result.files) {
 *   for (const d of file.diagnostics) console.log(d.code, d.line, d.column, d.message);
 *   for (const t of file.targets) for (const f of t.files) console.log(t.target, f.path);
 * }
 * ```
 *
 * A target of your own is a `Generator` (a name, a function from the IR to
 * files, and what it does with each setting); pass it in a registry:
 * `translate({ …, registry: defaultRegistry().register(mine) })`.
 *
 * @module
 */
export {
  type FileResult,
  hasFailures,
  hasInternalErrors,
  type PipelineText,
  type TargetResult,
  translate,
  type TranslateRequest,
  type TranslateResult,
} from "./translate/translate.ts";
export {
  describeProblem,
  parseOptionTexts,
  type RequestProblem,
  resolveRequest,
  targetList,
} from "./translate/request.ts";
export {
  compile,
  type CompileOptions,
  type CompileResult,
  generate,
  type GenerateOptions,
  type GenerateResult,
  merge,
  type MergeResult,
  validate,
  type ValidateOptions,
  type ValidateResult,
} from "./translate/compile.ts";
export { type PrefixAndRegistry, withRegistry } from "./translate/prefix_registry.ts";
export { type Drift, drift } from "./translate/drift.ts";
export { type CueEngine, createCueEngine } from "./compiler/cue.ts";
export {
  DIAGNOSTIC_CODES,
  type Diagnostic,
  type DiagnosticCode,
  formatDiagnostic,
  hasErrors,
  type Location,
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
  parseOptionText,
  resolveOptions,
} from "./generators/generator.ts";
export {
  declareFidelity,
  dropped,
  type FieldSupport,
  type Fidelity,
  type FidelityScope,
  partly,
  used,
} from "./generators/fidelity.ts";
export { VERSION } from "./version.ts";
