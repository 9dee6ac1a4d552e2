/**
 * `translate`: the one library function behind every way of translating —
 * the CLI, the GitHub Action and the web service. It resolves the request
 * (request.ts: target names and aliases, "all", options and which target owns
 * each), then validates each pipeline file and generates each chosen target.
 * Where the files go is the caller's business: it gets them per file and target.
 */
import type { CueEngine } from "../compiler/cue.ts";
import { type Diagnostic, hasErrors, isInternal } from "../compiler/diagnostics.ts";
import type { PipelineIR } from "../compiler/ir.ts";
import type { GeneratorOptions, GeneratorRegistry, OutputFile } from "../generators/generator.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { generate, validate } from "./compile.ts";
import type { PrefixAndRegistry } from "./prefix_registry.ts";
import { type RequestProblem, resolveRequest } from "./request.ts";

export interface PipelineText {
  /** Shown in diagnostics: a path, `<stdin>`, a URL. */
  name: string;
  /** The file's content; its bytes where the caller has them, so that bytes that are not UTF-8 are reported. */
  text: string | Uint8Array;
}

/**
 * `prefix` and `imageRegistry` (the CLI's `--prefix` and `--registry`) apply
 * to every target; `registry` is the set of generators to choose from.
 */
export interface TranslateRequest extends PrefixAndRegistry {
  pipelines: readonly PipelineText[];
  /** Target names or aliases (`k8s`), or "all"; none: each pipeline's `spec.driver`, else docker-compose. */
  targets?: readonly string[] | "all";
  /** Options of the chosen targets by name (all targets' when none is chosen). */
  options?: GeneratorOptions;
  /** Files laid over each pipeline file, in order (`-f base.yaml -f prod.yaml`: the overlay is prod.yaml). */
  overlays?: readonly PipelineText[];
  /** `PATH=VALUE` settings laid over every pipeline after the overlays (`--set`). */
  set?: readonly string[];
  /** The bytes of the files' sources, by source as written (see `validate`'s `sources`). */
  sources?: ReadonlyMap<string, Uint8Array>;
  cue: CueEngine;
  /** Defaults to the built-in generators. */
  registry?: GeneratorRegistry;
}

export interface TargetResult {
  /** Canonical target name. */
  target: string;
  /** Empty when this target or the file's validation found an error (the CLI also writes nothing when another target did). */
  files: OutputFile[];
  /** What this target could not express. */
  diagnostics: Diagnostic[];
}

export interface FileResult {
  name: string;
  /** The IR of each valid pipeline document. */
  pipelines: PipelineIR[];
  /** What validation found. */
  diagnostics: Diagnostic[];
  /** One per chosen target, in the order asked (one, `spec.driver`'s, when none was). */
  targets: TargetResult[];
}

export interface TranslateResult {
  /**
   * What is wrong with the request itself: an unknown target, an option no
   * chosen target has, a value an option does not take, a prefix or registry
   * that cannot be used. Nothing was compiled
   * when there is any: the caller's usage error (CLI exit 2, HTTP 400).
   */
  problems: RequestProblem[];
  /** The canonical names chosen, without repeats (`k8s,kubernetes` is one); empty when `spec.driver` decides. */
  targets: string[];
  files: FileResult[];
}

export function translate(request: TranslateRequest): TranslateResult {
  const registry = request.registry ?? defaultRegistry();
  const { targets, problems } = resolveRequest({ ...request, registry });
  if (problems.length) return { problems, targets, files: [] };

  const files = request.pipelines.map(({ name, text }): FileResult => {
    const checked = validate(text, { filename: name, cue: request.cue, overlays: request.overlays, set: request.set, sources: request.sources });
    const runs = (targets.length ? targets : [undefined]).map((target) =>
      generate(checked.pipelines, {
        target,
        registry,
        generatorOptions: request.options,
        prefix: request.prefix,
        imageRegistry: request.imageRegistry,
        controlPlaneImage: request.controlPlaneImage,
      })
    );
    const invalid = hasErrors(checked.diagnostics);
    return {
      name,
      pipelines: checked.pipelines,
      diagnostics: checked.diagnostics,
      targets: runs.map((r) => ({ target: r.target, files: invalid ? [] : r.files, diagnostics: r.diagnostics })),
    };
  });
  return { problems, targets, files };
}

/** Whether anything in the result is an error (a file that does not validate, or a target that cannot express it). */
export function hasFailures(result: TranslateResult): boolean {
  return result.problems.length > 0 ||
    result.files.some((f) => hasErrors(f.diagnostics) || f.targets.some((t) => hasErrors(t.diagnostics)));
}

/** Whether flowctl itself failed somewhere (E_INTERNAL): a bug to report, not the user's input. */
export function hasInternalErrors(result: TranslateResult): boolean {
  return result.files.some((f) => isInternal(f.diagnostics) || f.targets.some((t) => isInternal(t.diagnostics)));
}
