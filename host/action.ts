/**
 * The GitHub Action (action.yml; bundled to dist/action.js by scripts/bundle.ts).
 * Inputs arrive as INPUT_* variables; results leave as annotations on stdout,
 * lines in GITHUB_OUTPUT, and a table and each pipeline's graph (Mermaid) in
 * GITHUB_STEP_SUMMARY.
 *
 * Every mode translates each pipeline to each target in memory (the library's
 * `translate`, as the CLI does); `generate` then writes the files, `check`
 * compares them with what is in the output folder (drift), `validate` stops
 * there. The step fails (exit 1) on any error or drift.
 */
import { randomUUID } from "node:crypto";
import { appendFile, readdir } from "node:fs/promises";
import process from "node:process";
import { type Diagnostic, hasErrors } from "../compiler/diagnostics.ts";
import { setSyntaxProblem } from "../compiler/set_value.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { drift } from "../translate/drift.ts";
import { describeProblem, parseOptionTexts, type RequestProblem, resolveRequest, targetList } from "../translate/request.ts";
import { translate } from "../translate/translate.ts";
import {
  annotation,
  fileAnnotation,
  globPattern,
  isGlob,
  outputEntry,
  type SummaryRow,
  summaryDiagrams,
  summaryTable,
  workflowCommand,
} from "./github.ts";
import { topologyOf } from "../generators/shared/topology.ts";
import type { Topology } from "../graph/topology.ts";
import { nodeIo } from "./node_io.ts";
import { sourcesOf } from "../cli/stack.ts";

const MODES = ["validate", "generate", "check"] as const;
type Mode = typeof MODES[number];

/** An input as the runner passes it: INPUT_ + the name upper-cased, spaces as underscores. */
function input(name: string): string {
  return (process.env[`INPUT_${name.replaceAll(" ", "_").toUpperCase()}`] ?? "").trim();
}

class ActionError extends Error {}

/** Files under dir (relative, `/`-separated), skipping .git and node_modules. */
async function listFiles(dir: string, relative = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(relative ? `${dir}/${relative}` : dir, { withFileTypes: true })) {
    const path = relative ? `${relative}/${e.name}` : e.name;
    if (e.isDirectory() && e.name !== ".git" && e.name !== "node_modules") out.push(...await listFiles(dir, path));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

/** The `pipelines` input: paths and globs, one per line, matched in the workspace; sorted, no duplicates. */
async function pipelineFiles(patterns: string[], workspace: string): Promise<{ files: string[]; unmatched: string[] }> {
  const files = new Set<string>();
  const unmatched: string[] = [];
  let all: string[] | undefined;
  for (const raw of patterns) {
    const pattern = raw.replace(/^\.\//, "");
    if (!isGlob(pattern)) {
      files.add(pattern); // a missing file is reported when it is read
      continue;
    }
    all ??= await listFiles(workspace);
    const re = globPattern(pattern);
    const hits = all.filter((f) => re.test(f));
    if (!hits.length) unmatched.push(raw);
    hits.forEach((f) => files.add(f));
  }
  return { files: [...files].sort(), unmatched };
}

/** `output-dir` with {pipeline} and {target} filled in; either is appended when there are several and it is absent. */
function outputDirFor(template: string, several: { pipelines: boolean; targets: boolean }, pipeline: string, target: string) {
  let dir = template.replace(/\/+$/, "");
  if (several.pipelines && !dir.includes("{pipeline}")) dir += "/{pipeline}";
  if (several.targets && !dir.includes("{target}")) dir += "/{target}";
  return dir.replaceAll("{pipeline}", pipeline).replaceAll("{target}", target);
}

/** An input of one entry per line: blank lines and `#` comments left out. */
function lines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

function stem(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1).replace(/\.(ya?ml|json)$/i, "");
}

async function runAction(): Promise<number> {
  const io = nodeIo();
  const say = (text: string) => io.stdout(text);
  const mode = (input("mode") || "validate") as Mode;
  if (!MODES.includes(mode)) throw new ActionError(`input mode must be one of ${MODES.join(", ")}, not "${mode}"`);
  const patterns = lines(input("pipelines"));
  if (!patterns.length) throw new ActionError("input pipelines is empty: give pipeline files or globs, one per line");
  const registry = defaultRegistry();
  // The options input: one name=value per line (a boolean may be its name alone), as the CLI's flags.
  const parsed = parseOptionTexts(
    lines(input("options")).map((l): [string, string | undefined] => (l.includes("=") ? [l.slice(0, l.indexOf("=")).trim(), l.slice(l.indexOf("=") + 1).trim()] : [l, undefined])),
    registry,
  );
  if (parsed.problems.length) throw inputError(parsed.problems);
  const options = parsed.options;
  // prefix, registry, control-plane-image: the CLI's flags of those names; empty means none.
  const naming = {
    prefix: input("prefix") || undefined,
    imageRegistry: input("registry") || undefined,
    controlPlaneImage: input("control-plane-image") || undefined,
  };
  const request = resolveRequest({ targets: targetList(input("targets")), options, registry, ...naming });
  if (request.problems.length) throw inputError(request.problems);
  const outputTemplate = input("output-dir") || "flowctl-out";
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  process.chdir(workspace);

  // overlays: files laid over every pipeline, in order; set: PATH=VALUE lines after them (the CLI's -f … -f and --set).
  const overlays = [];
  for (const file of lines(input("overlays"))) {
    try {
      overlays.push({ name: file, text: await io.readFile(file) });
    } catch (err) {
      throw new ActionError(`input overlays: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const set = lines(input("set"));
  for (const expression of set) {
    const problem = setSyntaxProblem(expression);
    if (problem) throw new ActionError(`input set: ${problem}`);
  }

  const { files, unmatched } = await pipelineFiles(patterns, ".");
  let errors = 0;
  let drifted = false;
  const written: string[] = [];
  const rows: SummaryRow[] = [];
  const pictures: { file: string; topology: Topology }[] = [];
  for (const pattern of unmatched) say(workflowCommand("warning", { title: "flowctl" }, `no file matches ${pattern}`));
  const stems = new Map<string, string>();
  for (const f of files) {
    const s = stem(f);
    if (stems.has(s)) throw new ActionError(`${stems.get(s)} and ${f} would share an output folder: put {pipeline} in output-dir or rename one`);
    stems.set(s, f);
  }
  const several = { pipelines: files.length > 1, targets: request.targets.length > 1 };
  const cue = await io.cue();

  for (const file of files) {
    say(`::group::${file}\n`);
    let text: Uint8Array;
    try {
      text = await io.readFile(file);
    } catch (err) {
      say(fileAnnotation("error", file, "flowctl", `cannot read ${file}: ${(err as Error).message}`));
      errors++;
      rows.push({ pipeline: file, target: "-", result: "unreadable", files: 0, errors: 1, warnings: 0 });
      say("::endgroup::\n");
      continue;
    }
    // Files' sources are read beside the pipeline file, as the CLI reads them.
    const sources = await sourcesOf({ name: file, text }, file, io, overlays, set);
    const translated = translate({ pipelines: [{ name: file, text }], overlays, set, sources, targets: request.targets, options, cue, registry, ...naming })
      .files[0];
    report(translated.diagnostics);
    if (hasErrors(translated.diagnostics)) {
      rows.push({ pipeline: file, target: "-", result: "invalid", files: 0, ...count(translated.diagnostics) });
      say("::endgroup::\n");
      continue;
    }
    pictures.push(...translated.pipelines.map((ir) => ({ file, topology: topologyOf(ir) })));
    for (const gen of translated.targets) {
      report(gen.diagnostics, ` [${gen.target}]`);
      const counts = count([...translated.diagnostics, ...gen.diagnostics]);
      const dir = outputDirFor(outputTemplate, several, stem(file), gen.target);
      const row = { pipeline: file, target: gen.target, files: gen.files.length, ...counts };
      // A folder that cannot be written or read is an error of this pipeline × target, not of the action.
      const cannot = (what: string, err: unknown) => {
        say(fileAnnotation("error", file, "flowctl", `cannot ${what}: ${(err as Error).message}`));
        errors++;
        rows.push({ ...row, result: `cannot ${what}` });
      };
      if (hasErrors(gen.diagnostics)) {
        rows.push({ ...row, result: "not expressible" });
        continue;
      }
      if (mode === "generate") {
        try {
          await io.writeFiles(dir, gen.files);
        } catch (err) {
          cannot(`write into ${dir}`, err);
          continue;
        }
        written.push(...gen.files.map((f) => `${dir}/${f.path}`));
        rows.push({ ...row, result: `written to ${dir}` });
      } else if (mode === "check") {
        let onDisk: Map<string, string>;
        try {
          onDisk = await io.readTree(dir);
        } catch (err) {
          cannot(`read ${dir}`, err);
          continue;
        }
        const found = drift(gen.files, onDisk);
        for (const d of found) {
          say(fileAnnotation("error", `${dir}/${d.path}`, "flowctl drift", `${d.change}: does not match ${file} (regenerate it)`));
          say(d.patch);
        }
        drifted ||= found.length > 0;
        written.push(...gen.files.map((f) => `${dir}/${f.path}`));
        rows.push({ ...row, result: found.length ? `drift: ${found.length} file(s) in ${dir}` : `up to date (${dir})` });
      } else {
        rows.push({ ...row, result: "valid" });
      }
    }
    say("::endgroup::\n");
  }

  const delimiter = `flowctl_${randomUUID()}`;
  const outputs = outputEntry("files", written.join("\n"), delimiter) +
    outputEntry("drift", String(drifted), delimiter) +
    outputEntry("errors", String(errors), delimiter);
  if (process.env.GITHUB_OUTPUT) await appendFile(process.env.GITHUB_OUTPUT, outputs);
  if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, summaryTable(mode, rows) + summaryDiagrams(pictures));
  say(`flowctl ${mode}: ${files.length} pipeline(s), ${errors} error(s)${mode === "check" ? drifted ? ", drift" : ", no drift" : ""}\n`);
  return errors || drifted ? 1 : 0;

  function report(diagnostics: Diagnostic[], suffix = "") {
    for (const d of diagnostics) {
      say(annotation(d, suffix));
      if (d.severity === "error") errors++;
    }
  }
}

/** Request problems as the Action's inputs say them. */
function inputError(problems: readonly RequestProblem[]): ActionError {
  return new ActionError(
    problems.map((p) => `input ${p.field ?? (p.option === undefined ? "targets" : "options")}: ` +
      describeProblem(p, (o) => o, (t) => `add ${t} to input targets`)).join("; "),
  );
}

function count(diagnostics: Diagnostic[]): { errors: number; warnings: number } {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  return { errors, warnings: diagnostics.length - errors };
}

// This module is the action's entry point: it runs when loaded.
try {
  process.exitCode = await runAction();
} catch (err) {
  // A bug: one annotation that says so, without a stack trace.
  const message = err instanceof ActionError
    ? err.message
    : `internal error: ${err instanceof Error ? err.message : String(err)}; this is a bug in flowctl, please report it`;
  process.stdout.write(workflowCommand("error", { title: "flowctl" }, message));
  process.exitCode = 1;
}
