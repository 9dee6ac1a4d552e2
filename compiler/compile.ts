/**
 * The whole compiler as one pure function: text in; IR, files and diagnostics
 * out. parse → upgrade → schema (CUE) + graph → normalize → generate.
 */
import type { CueEngine } from "./cue.ts";
import { diagnostic, type Diagnostic, hasErrors, sortDiagnostics } from "./diagnostics.ts";
import type { PipelineIR } from "./ir.ts";
import { parseSource } from "./parse.ts";
import { upgrade } from "./upgrade.ts";
import { checkSchema } from "./schema.ts";
import { checkGraph } from "./graph.ts";
import { normalize } from "./normalize.ts";
import { sourceFile } from "./source.ts";
import type { GeneratorOptions, GeneratorRegistry, OutputFile } from "../generators/generator.ts";

export interface ValidateOptions {
  /** Shown in diagnostics; defaults to `<input>`. */
  filename?: string;
  /** The CUE evaluator (see `createCueEngine`). */
  cue: CueEngine;
}

export interface ValidateResult {
  /** One IR per valid pipeline document, in file order. */
  pipelines: PipelineIR[];
  diagnostics: Diagnostic[];
}

/** Parses and checks a pipeline file; every problem is a diagnostic. */
export function validate(text: string, options: ValidateOptions): ValidateResult {
  const source = sourceFile(options.filename ?? "<input>", text);
  const parsed = parseSource(source);
  const diagnostics = [...parsed.diagnostics];
  const pipelines: PipelineIR[] = [];
  for (const doc of parsed.documents) {
    const up = upgrade(doc);
    diagnostics.push(...up.diagnostics);
    if (!up.document) continue;
    const found = [...checkSchema(options.cue, up.document), ...checkGraph(up.document)];
    diagnostics.push(...found);
    if (!hasErrors(found)) pipelines.push(normalize(up.document));
  }
  return { pipelines, diagnostics: sortDiagnostics(diagnostics) };
}

export interface CompileOptions extends ValidateOptions {
  /** Target name; defaults to the pipeline's `spec.driver`, else `docker-compose`. */
  target?: string;
  registry: GeneratorRegistry;
  generatorOptions?: GeneratorOptions;
}

export interface CompileResult extends ValidateResult {
  /** The target used (of the first pipeline, when it came from `spec.driver`). */
  target: string;
  files: OutputFile[];
}

const DRIVER_TARGETS: Record<string, string> = {
  docker: "docker-compose",
  container: "docker-compose",
  kubernetes: "kubernetes",
  k8s: "kubernetes",
  nomad: "nomad",
  process: "local",
  local: "local",
};

/** Validates, then generates the target's files for every pipeline in the file. */
export function compile(text: string, options: CompileOptions): CompileResult {
  const checked = validate(text, options);
  const diagnostics = [...checked.diagnostics];
  const files: OutputFile[] = [];
  const used = new Set<string>();
  let target = options.target ?? "docker-compose";
  checked.pipelines.forEach((ir, i) => {
    const name = options.target ?? (ir.driver ? DRIVER_TARGETS[ir.driver] : undefined) ?? "docker-compose";
    if (i === 0) target = name;
    const generator = options.registry.get(name);
    if (!generator) {
      const where = options.target ? { ...ir.origin, path: "" } : ir.origin;
      diagnostics.push(diagnostic(
        "E_UNKNOWN_TARGET",
        where,
        `no generator for target "${name}"${options.target ? "" : " (from spec.driver)"}`,
        `use -t with one of: ${options.registry.names().join(", ")}`,
      ));
      return;
    }
    const out = generator.generate(ir, options.generatorOptions ?? {});
    diagnostics.push(...out.diagnostics);
    // Several pipelines in one file: each gets a folder named after it.
    let prefix = "";
    if (checked.pipelines.length > 1) {
      prefix = ir.name;
      for (let n = 2; used.has(prefix); n++) prefix = `${ir.name}-${n}`;
      used.add(prefix);
      prefix += "/";
    }
    for (const f of out.files) files.push({ path: prefix + f.path, content: f.content });
  });
  const sorted = sortDiagnostics(diagnostics);
  return { pipelines: checked.pipelines, diagnostics: sorted, target, files: hasErrors(sorted) ? [] : files };
}
