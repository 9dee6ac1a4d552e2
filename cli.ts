/**
 * The flowctl command line. `main` is a function of its arguments and an `Io`
 * (files, streams, environment), so tests run it in-process; only the last
 * lines of this file touch Deno. Exit codes: 0 ok, 1 invalid input, 2 usage.
 */
import { compile, validate } from "./compiler/compile.ts";
import { type CueEngine, createCueEngine } from "./compiler/cue.ts";
import { type Diagnostic, formatDiagnostic, hasErrors } from "./compiler/diagnostics.ts";
import { defaultRegistry } from "./generators/mod.ts";
import type { OutputFile } from "./generators/generator.ts";
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
  translate: `Usage: flowctl translate -f FILE [-t TARGET] [-o DIR] [--format text|json]

Generates a target's files from a pipeline file. Without -o, a single output file is
printed on standard output; with -o, files are written into DIR, and nothing is
written when there are errors.

Options:
  -f, --file FILE       the pipeline file (- for standard input)
  -t, --target TARGET   ${defaultRegistry().names().join(", ")} (default: spec.driver, else docker-compose)
  -o, --output DIR      write the files into DIR
  --format text|json    json prints {"target", "files", "diagnostics"} on standard output
  -h, --help            show this help
`,
};

class UsageError extends Error {}

interface Flags {
  positional: string[];
  values: Record<string, string>;
  help: boolean;
}

/** Parses `--name value`, `--name=value` and `-x value` for the value flags a command accepts. */
export function parseFlags(args: string[], valueFlags: Record<string, string>): Flags {
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
  const flags = parseFlags(args, {
    "-f": "file",
    "--file": "file",
    "-t": "target",
    "--target": "target",
    "-o": "output",
    "--output": "output",
    "--format": "format",
  });
  if (flags.help) {
    io.stdout(HELP.translate);
    return 0;
  }
  const format = formatOption(flags);
  const file = flags.values.file ?? (flags.positional.length === 1 ? flags.positional[0] : undefined);
  if (!file) throw new UsageError("translate needs -f FILE");
  const registry = defaultRegistry();
  const target = flags.values.target;
  if (target !== undefined && !registry.get(target)) {
    throw new UsageError(`unknown target ${JSON.stringify(target)}; targets: ${registry.names().join(", ")}`);
  }
  const input = await readInput(file, io);
  const result = compile(input.text, { filename: input.name, cue: await io.cue(), target, registry });
  const failed = hasErrors(result.diagnostics);
  const output = flags.values.output;
  if (!failed && output === undefined && result.files.length !== 1) {
    throw new UsageError(`target ${result.target} writes ${result.files.length} files; use -o DIR`);
  }
  if (!failed && output !== undefined) await io.writeFiles(output, result.files);

  if (format === "json") {
    const files = result.files.map((f) => (output === undefined ? f : { path: f.path }));
    io.stdout(JSON.stringify({ target: result.target, files, diagnostics: result.diagnostics }, null, 2) + "\n");
  } else {
    printDiagnostics(result.diagnostics, io);
    if (!failed && output === undefined) io.stdout(result.files[0].content);
    if (!failed && output !== undefined) {
      io.stderr(`wrote ${plural(result.files.length, "file")} to ${output}: ${result.files.map((f) => f.path).join(", ")}\n`);
    }
  }
  return failed ? 1 : 0;
}

function printDiagnostics(diagnostics: Diagnostic[], io: Io): void {
  const color = io.isTerminal && io.env("NO_COLOR") === undefined;
  for (const d of diagnostics) {
    let line = formatDiagnostic(d);
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
