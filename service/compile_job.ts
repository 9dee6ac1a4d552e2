/**
 * One compilation the service was asked for, and its answer. This is the part
 * of a request that can take seconds (CUE), so it is plain data in and out:
 * the same function answers on the main thread or in a worker.
 */
import type { CueEngine } from "../compiler/cue.ts";
import { hasErrors, isInternal, sortDiagnostics } from "../compiler/diagnostics.ts";
import type { GeneratorOptions, GeneratorRegistry } from "../generators/generator.ts";
import { validate } from "../translate/compile.ts";
import { translate } from "../translate/translate.ts";
import { type Answer, errorAnswer, INTERNAL, jsonAnswer } from "./answer.ts";

export interface CompileJob {
  route: "validate" | "translate";
  source: string;
  filename: string;
  target?: string;
  options?: GeneratorOptions;
  /** The request's `prefix`, `registry` and `controlPlaneImage` fields. */
  prefix?: string;
  imageRegistry?: string;
  controlPlaneImage?: string;
}

export interface JobTools {
  cue: CueEngine;
  registry: GeneratorRegistry;
}

/**
 * validate: 200 {valid, diagnostics}. translate: 200 {target, files, diagnostics},
 * 422 when the pipeline has errors (no files), 400 for an option the target
 * does not take. Either: 500 with the diagnostics when flowctl failed inside.
 */
export function runJob(job: CompileJob, { cue, registry }: JobTools): Answer {
  if (job.route === "validate") {
    const result = validate(job.source, { filename: job.filename, cue });
    if (isInternal(result.diagnostics)) return errorAnswer(INTERNAL, { diagnostics: result.diagnostics });
    return jsonAnswer(200, { valid: !hasErrors(result.diagnostics), diagnostics: result.diagnostics });
  }
  const result = translate({
    pipelines: [{ name: job.filename, text: job.source }],
    targets: job.target === undefined ? undefined : [job.target],
    options: job.options,
    prefix: job.prefix,
    imageRegistry: job.imageRegistry,
    controlPlaneImage: job.controlPlaneImage,
    cue,
    registry,
  });
  if (result.problems.length) {
    // The handler checks prefix and registry first; an option is what remains.
    const code = result.problems.every((p) => p.field !== undefined) ? "invalid_request" : "invalid_option";
    return errorAnswer({ code, message: result.problems.map((p) => p.message).join("; ") });
  }
  const file = result.files[0];
  const target = file.targets[0];
  const diagnostics = sortDiagnostics([...file.diagnostics, ...target.diagnostics]);
  if (isInternal(diagnostics)) return errorAnswer(INTERNAL, { target: target.target, files: [], diagnostics });
  const files = hasErrors(diagnostics) ? [] : target.files.map((f) => ({ path: f.path, content: f.content }));
  return jsonAnswer(hasErrors(diagnostics) ? 422 : 200, { target: target.target, files, diagnostics });
}
