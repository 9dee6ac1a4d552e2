/**
 * The compiler driven end to end, as pure functions: text in; IR, files and
 * diagnostics out. validate = parse → upgrade → check (CUE + graph) →
 * normalize; generate = a target's generator over the IR, plus the warnings
 * its fidelity declaration implies. A throw in any stage is a bug, reported
 * as E_INTERNAL at the place that stage was working on; it never escapes.
 */
import type { CueEngine } from "../compiler/cue.ts";
import { diagnostic, type Diagnostic, hasErrors, internalError, sortDiagnostics } from "../compiler/diagnostics.ts";
import type { PipelineIR } from "../compiler/ir.ts";
import { parseSource } from "../compiler/parse.ts";
import { upgrade } from "../compiler/upgrade.ts";
import { checkDocuments } from "../compiler/check.ts";
import { normalize } from "../compiler/normalize.ts";
import { withSources } from "../compiler/file_sources.ts";
import { applyOverlay } from "../compiler/overlay.ts";
import { applySet } from "../compiler/set_value.ts";
import { decodeText, isRecord, type LocatedDocument, locate, type SourceFile, sourceFile } from "../compiler/source.ts";
import { type Generator, type GeneratorOptions, type GeneratorRegistry, type OutputFile, resolveOptions } from "../generators/generator.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { declinedOptions, droppedSettings } from "./dropped.ts";
import { applyPrefixAndRegistry, controlPlaneImageProblem, type PrefixAndRegistry, prefixProblem, registryProblem } from "./prefix_registry.ts";

export interface ValidateOptions {
  /** Shown in diagnostics; defaults to `<input>`. */
  filename?: string;
  /** The CUE evaluator (see `createCueEngine`, or `loadCue` of your host). */
  cue: CueEngine;
  /** Files laid over the input, in order (`-f base.yaml -f prod.yaml`; compiler/overlay.ts). */
  overlays?: readonly { name: string; text: string | Uint8Array }[];
  /** `PATH=VALUE` settings laid over everything, in order (`--set`; compiler/set_value.ts). */
  set?: readonly string[];
  /**
   * The bytes of the files' `source`s, by source as written (the host reads
   * them relative to the pipeline file; see `fileSources`). Without it a
   * source is E_FILE_SOURCE: this host reads no files.
   */
  sources?: ReadonlyMap<string, Uint8Array>;
}

export interface ValidateResult {
  /** One IR per valid pipeline document, in file order. */
  pipelines: PipelineIR[];
  diagnostics: Diagnostic[];
}

/** A file's text; bytes that are not UTF-8 are an E_SYNTAX diagnostic at the first of them. */
function textOf(input: string | Uint8Array, name: string): { text: string } | { diagnostic: Diagnostic } {
  if (typeof input === "string") return { text: input };
  const decoded = decodeText(input);
  if ("text" in decoded) return decoded;
  const where = { file: name, line: decoded.line, column: decoded.column, path: "" };
  const byte = `0x${decoded.byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return { diagnostic: diagnostic("E_SYNTAX", where, `byte ${byte} is not UTF-8, and flowctl reads UTF-8 text only`, "save the file as UTF-8") };
}

/**
 * Parses and checks a pipeline file; every problem is a diagnostic. Give it the
 * file's bytes where you have them: bytes that are not UTF-8 are then an error
 * at the first of them, where text decoded elsewhere would hold U+FFFD instead.
 * Overlays and `--set` values are laid over its documents before checking.
 */
export function validate(input: string | Uint8Array, options: ValidateOptions): ValidateResult {
  const name = options.filename ?? "<input>";
  const decoded = textOf(input, name);
  if ("diagnostic" in decoded) return { pipelines: [], diagnostics: [decoded.diagnostic] };
  const source = sourceFile(name, decoded.text);
  const fileStart = { file: source.name, line: 1, column: 1, path: "" };
  const diagnostics: Diagnostic[] = [];
  const pipelines: PipelineIR[] = [];
  try {
    const upgraded = documentsOf(source, options, diagnostics).map((d) => withSources(d, options.sources, diagnostics));
    const checked = checkDocuments(options.cue, upgraded);
    checked.forEach(({ document, diagnostics: found }, i) => {
      diagnostics.push(...found);
      try {
        if (document) pipelines.push(normalize(document));
      } catch (err) {
        diagnostics.push(internalError(err, locate(upgraded[i], []), "checking the pipeline"));
      }
    });
  } catch (err) {
    diagnostics.push(internalError(err, fileStart, "checking the pipeline"));
  }
  return { pipelines, diagnostics: sortDiagnostics(diagnostics) };
}

/** The file's documents, upgraded to flowctl/v1, with the overlays and `--set` values laid over them. */
type Layers = Pick<ValidateOptions, "overlays" | "set">;

function documentsOf(source: SourceFile, options: Layers, diagnostics: Diagnostic[]): LocatedDocument[] {
  const parsed = parseSource(source);
  diagnostics.push(...parsed.diagnostics);
  const upgraded: LocatedDocument[] = [];
  for (const doc of parsed.documents) {
    const up = upgrade(doc);
    diagnostics.push(...up.diagnostics);
    if (up.document) upgraded.push(up.document);
  }
  return options.overlays?.length || options.set?.length ? layered(upgraded, options, diagnostics) : upgraded;
}

export interface MergeResult {
  /** Each pipeline document as the overlays and --set values left it (upgraded to flowctl/v1), not yet checked. */
  documents: unknown[];
  /** What parsing, upgrading and laying found (the schema is not checked: validate does that). */
  diagnostics: Diagnostic[];
}

/** What the overlays produce: the documents before they are checked, for a user to read (`flowctl merge`). */
export function merge(input: string | Uint8Array, options: Omit<ValidateOptions, "cue">): MergeResult {
  const name = options.filename ?? "<input>";
  const decoded = textOf(input, name);
  if ("diagnostic" in decoded) return { documents: [], diagnostics: [decoded.diagnostic] };
  const diagnostics: Diagnostic[] = [];
  try {
    const documents = documentsOf(sourceFile(name, decoded.text), options, diagnostics).map((d) => d.data);
    return { documents, diagnostics: sortDiagnostics(diagnostics) };
  } catch (err) {
    return { documents: [], diagnostics: [internalError(err, { file: name, line: 1, column: 1, path: "" }, "merging the files")] };
  }
}

/**
 * The documents with each overlay document laid over them, then each `--set`.
 * With one pipeline, an overlay applies to it; with several, to the one its
 * metadata.name names (or to all, when it names none).
 */
function layered(documents: LocatedDocument[], options: Layers, diagnostics: Diagnostic[]): LocatedDocument[] {
  let docs = documents;
  const nameOf = (d: LocatedDocument) => (isRecord(d.data) && isRecord(d.data.metadata) ? d.data.metadata.name : undefined);
  for (const file of options.overlays ?? []) {
    const decoded = textOf(file.text, file.name);
    if ("diagnostic" in decoded) {
      diagnostics.push(decoded.diagnostic);
      continue;
    }
    const parsed = parseSource(sourceFile(file.name, decoded.text));
    diagnostics.push(...parsed.diagnostics);
    for (const overlay of parsed.documents) {
      const named = nameOf(overlay);
      const targets = docs.length === 1 || named === undefined ? docs.map((_, i) => i) : docs.flatMap((d, i) => (nameOf(d) === named ? [i] : []));
      if (!targets.length) {
        diagnostics.push(diagnostic(
          "E_OVERLAY",
          locate(overlay, ["metadata", "name"]),
          `the overlay is for pipeline ${JSON.stringify(named)}, which the files before it do not hold`,
          `name one of: ${docs.map(nameOf).filter((n) => typeof n === "string").join(", ")}`,
        ));
        continue;
      }
      docs = docs.map((d, i) => {
        if (!targets.includes(i)) return d;
        const result = applyOverlay(d, overlay);
        diagnostics.push(...result.diagnostics);
        return result.document;
      });
    }
  }
  for (const expression of options.set ?? []) {
    docs = docs.map((d) => {
      const result = applySet(d, expression);
      if ("document" in result) return result.document;
      diagnostics.push(diagnostic("E_SET_PATH", { file: "--set", line: 1, column: 1, path: "" }, result.problem, "give a path to a key of the pipeline"));
      return d;
    });
  }
  return docs;
}

export interface GenerateOptions extends PrefixAndRegistry {
  /** Target name or alias; defaults to each pipeline's `spec.driver`, else `docker-compose`. */
  target?: string;
  /** Where targets are looked up; defaults to the built-in generators. */
  registry?: GeneratorRegistry;
  /** The target's options by name (see `Generator.options`); defaults fill the rest. */
  generatorOptions?: GeneratorOptions;
}

export interface GenerateResult {
  /** The target used (of the first pipeline, when it came from `spec.driver`). */
  target: string;
  files: OutputFile[];
  /** Only what generating found; no files when one of them is an error. */
  diagnostics: Diagnostic[];
}

export interface CompileOptions extends ValidateOptions, GenerateOptions {}

export interface CompileResult extends ValidateResult {
  target: string;
  files: OutputFile[];
}

/** `spec.driver` values → target names. */
const DRIVER_TARGETS: Record<string, string> = {
  docker: "docker-compose",
  container: "docker-compose",
  kubernetes: "kubernetes",
  k8s: "kubernetes",
  nomad: "nomad",
  process: "local",
  local: "local",
};

/** Generates one target's files for validated pipelines (from `validate`). */
export function generate(pipelines: readonly PipelineIR[], options: GenerateOptions): GenerateResult {
  const diagnostics: Diagnostic[] = [];
  const files: OutputFile[] = [];
  const used = new Set<string>();
  const registry = options.registry ?? defaultRegistry();
  let target = options.target ?? "docker-compose";
  pipelines.forEach((ir, i) => {
    const name = options.target ?? (ir.driver ? DRIVER_TARGETS[ir.driver] : undefined) ?? "docker-compose";
    const generator = registry.get(name);
    if (i === 0) target = generator?.name ?? name;
    const where = options.target ? { ...ir.origin, path: "" } : ir.origin;
    if (!generator) {
      diagnostics.push(diagnostic(
        "E_UNKNOWN_TARGET",
        where,
        `no generator for target "${name}"${options.target ? "" : " (from spec.driver)"}`,
        `use -t with one of: ${registry.names().join(", ")}`,
      ));
      return;
    }
    const resolved = resolveOptions(generator, ownOptions(generator, registry, options.generatorOptions));
    for (const problem of resolved.problems) {
      diagnostics.push(diagnostic("E_TARGET_OPTION", where, problem, `run flowctl translate --help for the options`));
    }
    if (resolved.problems.length) return;
    const refused = prefixAndRegistryProblems(generator, options);
    for (const problem of refused) diagnostics.push(diagnostic("E_TARGET_OPTION", where, problem.message, problem.hint));
    if (refused.length) return;
    try {
      const out = generator.generate(applyPrefixAndRegistry(ir, options), resolved.values);
      diagnostics.push(...out.diagnostics, ...droppedSettings(ir, generator), ...declinedOptions(generator, options.generatorOptions ?? {}, where));
      // Several pipelines in one file: each gets a folder named after it.
      let prefix = "";
      if (pipelines.length > 1) {
        const base = folderName(ir.name);
        prefix = base;
        for (let n = 2; used.has(prefix); n++) prefix = `${base}-${n}`;
        used.add(prefix);
        prefix += "/";
      }
      for (const f of out.files) {
        if (!isPlainRelativePath(prefix + f.path)) throw new Error(`${generator.name} named a file ${JSON.stringify(f.path)}, which leaves its folder`);
        files.push({ ...f, path: prefix + f.path });
      }
    } catch (err) {
      diagnostics.push(internalError(err, ir.origin, `generating ${generator.name}`));
    }
  });
  const sorted = sortDiagnostics(diagnostics);
  return { target, diagnostics: sorted, files: hasErrors(sorted) ? [] : files };
}

/** What stops a target from applying the prefix and registry asked for (translate() checks the values earlier, as request problems). */
function prefixAndRegistryProblems(generator: Generator, options: PrefixAndRegistry): { message: string; hint: string }[] {
  const problems: { message: string; hint: string }[] = [];
  const { prefix, imageRegistry } = options;
  const badPrefix = prefix === undefined ? undefined : prefixProblem(prefix);
  if (badPrefix) problems.push({ message: badPrefix, hint: "choose another prefix" });
  else if (prefix !== undefined && generator.prefix === undefined) {
    problems.push({
      message: `target ${generator.name} does not say how it applies a name prefix, so it cannot take prefix ${JSON.stringify(prefix)}`,
      hint: "translate to this target without a prefix",
    });
  }
  const badRegistry = imageRegistry === undefined ? undefined : registryProblem(imageRegistry);
  if (badRegistry) problems.push({ message: badRegistry, hint: "choose another registry" });
  const badImage = options.controlPlaneImage === undefined ? undefined : controlPlaneImageProblem(options.controlPlaneImage);
  if (badImage) problems.push({ message: badImage, hint: "give the image as docker pull takes it" });
  return problems;
}

/** A pipeline's name as one folder name: `../x` or `/etc` must not lead a file out of the output folder. */
export function folderName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "") || "pipeline";
}

/** `a/b.yaml`: segments of letters, digits, `.`, `_` and `-`, none of them `.` or `..`, nothing absolute. */
function isPlainRelativePath(path: string): boolean {
  return path.split("/").every((segment) => /^[A-Za-z0-9._-]+$/.test(segment) && segment !== "." && segment !== "..");
}

/** One options bag may serve several targets: drop what only another registered target declares. */
function ownOptions(generator: Generator, registry: GeneratorRegistry, given: GeneratorOptions = {}): GeneratorOptions {
  const mine = new Set((generator.options ?? []).map((o) => o.name));
  const others = new Set(registry.names().flatMap((n) => (registry.get(n)!.options ?? []).map((o) => o.name)));
  return Object.fromEntries(
    Object.entries(given).filter(([name]) => mine.has(name) || !others.has(name)),
  );
}

/** Validates, then generates the target's files for every pipeline in the file. */
export function compile(text: string | Uint8Array, options: CompileOptions): CompileResult {
  const checked = validate(text, options);
  const generated = generate(checked.pipelines, options);
  const diagnostics = sortDiagnostics([...checked.diagnostics, ...generated.diagnostics]);
  return {
    pipelines: checked.pipelines,
    diagnostics,
    target: generated.target,
    files: hasErrors(diagnostics) ? [] : generated.files,
  };
}
