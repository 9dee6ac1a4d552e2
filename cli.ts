/**
 * The flowctl command line. `main` is a function of its arguments and an `Io`
 * (files, streams, environment), so tests run it in-process; only the last
 * lines of this file touch Deno. Exit codes: 0 ok, 1 invalid input, 2 usage.
 */
import { generate, validate } from "./compiler/compile.ts";
import { type CueEngine, createCueEngine } from "./compiler/cue.ts";
import { type Diagnostic, formatDiagnostic, hasErrors } from "./compiler/diagnostics.ts";
import { defaultRegistry } from "./generators/mod.ts";
import { type GeneratorOptions, type GeneratorRegistry, type OutputFile, resolveOptions } from "./generators/generator.ts";
import { VERSION } from "./version.ts";

export interface Io {
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  /** Writes all files under dir, or none; paths are relative and `/`-separated. */
  writeFiles(dir: string, files: OutputFile[]): Promise<void>;
  stdout(text: string): void;
  stderr(text: string): void;
  env(name: string): string | undefined;
  isTerminal: boolean;
  /** The CUE evaluator, created on first use. */
  cue(): Promise<CueEngine>;
}

const HELP = {
  main: `flowctl ${VERSION}: compile pipeline files into deployable outputs

Usage:
  flowctl validate [--format text|json] FILE...
  flowctl translate -f FILE [-t TARGET] [-o DIR] [--format text|json]
  flowctl --version

Commands:
  validate    check pipeline files and report every problem
  translate   generate the files of a target (default: spec.driver, else docker-compose)

FILE may be - to read standard input. Run 'flowctl COMMAND --help' for a command's options.
Exit codes: 0 ok, 1 invalid input, 2 usage error. NO_COLOR turns colours off.
`,
  validate: `Usage: flowctl validate [--format text|json] FILE...

Checks each pipeline file (YAML or JSON, - for standard input) and reports every
problem as file:line:col severity CODE: message (hint: ...).

Options:
  --format text|json   json prints {"diagnostics": [...]} on standard output
  -h, --help           show this help
`,
};

function translateHelp(registry: GeneratorRegistry): string {
  const lines = [
    "Usage: flowctl translate -f FILE [-t TARGET[,TARGET...]|all] [-o DIR] [--format text|json] [TARGET OPTIONS]",
    "",
    "Generates a target's files from a pipeline file. Without -o, the output is printed on",
    "standard output (Kubernetes objects as one multi-document stream); with -o, files are",
    "written into DIR (DIR/<target>/ for several targets), and nothing is written when",
    "there are errors.",
    "",
    "Options:",
    "  -f, --file FILE       the pipeline file (- for standard input)",
    `  -t, --target TARGET   ${registry.names().join(", ")}, a comma-separated list, or all`,
    "                        (default: spec.driver, else docker-compose)",
    "  -o, --output DIR      write the files into DIR",
    '  --format text|json    json prints {"diagnostics", "targets": [{"target", "files", "diagnostics"}]}',
    "  -h, --help            show this help",
  ];
  for (const name of registry.names()) {
    const g = registry.get(name)!;
    if (!g.options?.length) continue;
    lines.push("", `Options of target ${name}:`);
    for (const o of g.options) {
      const flag = `  --${o.name}${o.type === "boolean" ? "" : o.choices ? ` ${o.choices.join("|")}` : ` ${o.type.toUpperCase()}`}`;
      const fallback = o.default !== undefined && o.type !== "boolean" ? ` (default: ${o.default})` : "";
      lines.push(`${flag.padEnd(31)} ${o.description}${fallback}`);
    }
  }
  return lines.join("\n") + "\n";
}

class UsageError extends Error {}

interface Flags {
  positional: string[];
  values: Record<string, string>;
  help: boolean;
}

/** Parses `--name value`, `--name=value` and `-x value` for the value flags a command accepts. */
export function parseFlags(
  args: string[],
  valueFlags: Record<string, string>,
  /** Flags without a value (`--create-namespace`); `--flag=false` turns one off. */
  booleanFlags: Record<string, string> = {},
): Flags {
  const out: Flags = { positional: [], values: {}, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      out.help = true;
      continue;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      out.positional.push(arg);
      continue;
    }
    if (arg === "--") {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg];
    if (booleanFlags[flag]) {
      if (inline !== undefined && inline !== "true" && inline !== "false") {
        throw new UsageError(`option ${flag} is true or false, not ${JSON.stringify(inline)}`);
      }
      out.values[booleanFlags[flag]] = inline ?? "true";
      continue;
    }
    const name = valueFlags[flag];
    if (!name) throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`option ${flag} needs a value`);
    out.values[name] = value;
  }
  return out;
}

export async function main(args: string[], io: Io): Promise<number> {
  try {
    const [command, ...rest] = args;
    switch (command) {
      case "validate":
        return await runValidate(rest, io);
      case "translate":
        return await runTranslate(rest, io);
      case "--version":
      case "version":
        io.stdout(`flowctl ${VERSION}\n`);
        return 0;
      case "--help":
      case "-h":
      case "help":
        io.stdout(HELP.main);
        return 0;
      case undefined:
        io.stderr(HELP.main);
        return 2;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`flowctl: ${err.message}\nRun 'flowctl --help' for usage.\n`);
      return 2;
    }
    if (err instanceof InputError) {
      io.stderr(`flowctl: ${err.message}\n`);
      return 1;
    }
    io.stderr(`flowctl: internal error: ${err instanceof Error ? err.message : String(err)}\n` +
      "This is a bug in flowctl; please report it with the pipeline file.\n");
    return 1;
  }
}

class InputError extends Error {}

async function readInput(path: string, io: Io): Promise<{ name: string; text: string }> {
  if (path === "-") return { name: "<stdin>", text: await io.readStdin() };
  try {
    return { name: path, text: await io.readFile(path) };
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/, (?:readfile|open) .*$/, "") : String(err);
    throw new InputError(`cannot read ${JSON.stringify(path)}: ${reason}`);
  }
}

function formatOption(flags: Flags): "text" | "json" {
  const format = flags.values.format ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, not ${JSON.stringify(format)}`);
  return format;
}

async function runValidate(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(args, { "--format": "format" });
  if (flags.help) {
    io.stdout(HELP.validate);
    return 0;
  }
  const format = formatOption(flags);
  if (flags.positional.length === 0) throw new UsageError("validate needs at least one FILE");
  const cue = await io.cue();
  const all: Diagnostic[] = [];
  let failed = false;
  for (const path of flags.positional) {
    const input = await readInput(path, io);
    const result = validate(input.text, { filename: input.name, cue });
    all.push(...result.diagnostics);
    const bad = hasErrors(result.diagnostics);
    failed ||= bad;
    if (format === "text") {
      printDiagnostics(result.diagnostics, io);
      if (!bad) {
        const n = result.pipelines.reduce((sum, p) => sum + p.components.length, 0);
        io.stdout(`${input.name}: valid (${plural(result.pipelines.length, "pipeline")}, ${plural(n, "component")})\n`);
      }
    }
  }
  if (format === "json") io.stdout(JSON.stringify({ diagnostics: all }, null, 2) + "\n");
  return failed ? 1 : 0;
}

async function runTranslate(args: string[], io: Io): Promise<number> {
  const registry = defaultRegistry();
  const optionFlags = targetOptionFlags(registry);
  const flags = parseFlags(args, {
    "-f": "file",
    "--file": "file",
    "-t": "target",
    "--target": "target",
    "-o": "output",
    "--output": "output",
    "--format": "format",
    ...optionFlags.values,
  }, optionFlags.booleans);
  if (flags.help) {
    io.stdout(translateHelp(registry));
    return 0;
  }
  const format = formatOption(flags);
  const file = flags.values.file ?? (flags.positional.length === 1 ? flags.positional[0] : undefined);
  if (!file) throw new UsageError("translate needs -f FILE");
  const targets = chooseTargets(flags.values.target, registry);
  const generatorOptions = targetOptions(flags, targets, registry);
  const output = flags.values.output;
  if (targets.length > 1 && output === undefined) throw new UsageError("several targets write several files; use -o DIR");

  const input = await readInput(file, io);
  const checked = validate(input.text, { filename: input.name, cue: await io.cue() });
  // Several targets: each one's files go under <target>/.
  const runs = targets.map((target) => {
    const r = generate(checked.pipelines, { target, registry, generatorOptions });
    const prefix = targets.length > 1 ? `${r.target}/` : "";
    return { ...r, files: r.files.map((f) => ({ path: prefix + f.path, content: f.content })) };
  });
  const failed = hasErrors(checked.diagnostics) || runs.some((r) => hasErrors(r.diagnostics));
  const files = failed ? [] : runs.flatMap((r) => r.files);

  let stream: string | undefined;
  if (!failed && output === undefined) {
    const concat = registry.get(runs[0].target)?.concat;
    if (files.length === 1) stream = files[0].content;
    else if (concat && files.length > 1) stream = concat(files);
    else throw new UsageError(`target ${runs[0].target} writes ${files.length} files; use -o DIR`);
  }
  if (!failed && output !== undefined) await io.writeFiles(output, files);

  if (format === "json") {
    io.stdout(JSON.stringify(
      {
        diagnostics: checked.diagnostics,
        targets: runs.map((r) => ({
          target: r.target,
          files: failed ? [] : r.files.map((f) => (output === undefined ? f : { path: f.path })),
          diagnostics: r.diagnostics,
        })),
      },
      null,
      2,
    ) + "\n");
  } else {
    printDiagnostics(checked.diagnostics, io);
    for (const r of runs) printDiagnostics(r.diagnostics, io, targets.length > 1 ? r.target : undefined);
    if (stream !== undefined) io.stdout(stream);
    if (!failed && output !== undefined) {
      io.stderr(`wrote ${plural(files.length, "file")} to ${output}: ${files.map((f) => f.path).join(", ")}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** `-t` as canonical target names: one, a comma-separated list, or `all`; none means spec.driver. */
function chooseTargets(value: string | undefined, registry: GeneratorRegistry): (string | undefined)[] {
  if (value === undefined) return [undefined];
  const names = value === "all" ? registry.names() : value.split(",").map((t) => t.trim());
  const chosen: string[] = [];
  for (const name of names) {
    const g = registry.get(name);
    if (!g) throw new UsageError(`unknown target ${JSON.stringify(name)}; targets: ${registry.names().join(", ")}`);
    if (!chosen.includes(g.name)) chosen.push(g.name);
  }
  return chosen;
}

/** Every target option as a flag: `--name VALUE`, or `--name` for booleans. */
function targetOptionFlags(registry: GeneratorRegistry) {
  const values: Record<string, string> = {};
  const booleans: Record<string, string> = {};
  for (const name of registry.names()) {
    for (const o of registry.get(name)!.options ?? []) (o.type === "boolean" ? booleans : values)[`--${o.name}`] = `option:${o.name}`;
  }
  return { values, booleans };
}

/** The target options given as flags, typed; each must belong to a chosen target. */
function targetOptions(flags: Flags, targets: (string | undefined)[], registry: GeneratorRegistry): GeneratorOptions {
  const out: GeneratorOptions = {};
  // Without -t each pipeline's spec.driver picks the target, so any target's option may apply.
  const chosen = targets[0] === undefined
    ? registry.names().map((t) => registry.get(t)!)
    : targets.map((t) => registry.get(t!)!);
  for (const [key, text] of Object.entries(flags.values)) {
    if (!key.startsWith("option:")) continue;
    const name = key.slice("option:".length);
    const owners = chosen.filter((g) => g.options?.some((o) => o.name === name));
    if (!owners.length) {
      const of = registry.names().filter((t) => registry.get(t)!.options?.some((o) => o.name === name));
      throw new UsageError(`--${name} is an option of target ${of.join(", ")}; add -t ${of[0]}`);
    }
    const option = owners[0].options!.find((o) => o.name === name)!;
    if (option.type === "number") {
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} needs a number, not ${JSON.stringify(text)}`);
      out[name] = n;
    } else {
      out[name] = option.type === "boolean" ? text === "true" : text;
    }
    // The generator's own check (choices, types) decides; at the command line its verdict is a usage error.
    const problems = resolveOptions(owners[0], { [name]: out[name] }).problems;
    if (problems.length) throw new UsageError(`--${name}: ${problems.join("; ")}, not ${JSON.stringify(text)}`);
  }
  return out;
}

function printDiagnostics(diagnostics: Diagnostic[], io: Io, target?: string): void {
  const color = io.isTerminal && io.env("NO_COLOR") === undefined;
  for (const d of diagnostics) {
    let line = formatDiagnostic(d) + (target ? ` [${target}]` : "");
    if (color) line = line.replace(` ${d.severity} `, d.severity === "error" ? " \x1b[31merror\x1b[0m " : " \x1b[33mwarning\x1b[0m ");
    io.stderr(line + "\n");
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The real world, for Deno. */
export function denoIo(): Io {
  let engine: Promise<CueEngine> | undefined;
  const encoder = new TextEncoder();
  return {
    readFile: (path) => Deno.readTextFile(path),
    readStdin: () => new Response(Deno.stdin.readable).text(),
    async writeFiles(dir, files) {
      // Write each file beside its final name, then rename: a reader never sees half a file.
      for (const f of files) {
        const path = `${dir}/${f.path}`;
        await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
        const tmp = `${path}.flowctl-tmp`;
        await Deno.writeTextFile(tmp, f.content);
        await Deno.rename(tmp, path);
      }
    },
    stdout: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    stderr: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    env: (name) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    },
    isTerminal: Deno.stderr.isTerminal(),
    cue() {
      engine ??= import("./host/cue_wasm.ts").then(async (m) => createCueEngine(await m.loadCueWasm()));
      return engine;
    },
  };
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += stream.writeSync(bytes.subarray(done));
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args, denoIo()));
}
