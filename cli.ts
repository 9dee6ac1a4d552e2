/**
 * The flowctl command line. `main` is a function of its arguments and an `Io`
 * (files, streams, environment), so tests run it in-process and it runs on
 * Deno (host/deno_io.ts, the last lines here) and on Node (host/node_cli.ts).
 * Exit codes: 0 ok, 1 invalid input, 2 usage.
 */
import { generate, validate } from "./translate/compile.ts";
import type { CueEngine } from "./compiler/cue.ts";
import { type Diagnostic, formatDiagnostic, hasErrors } from "./compiler/diagnostics.ts";
import { drift } from "./translate/drift.ts";
import { parseDuration } from "./generators/shared/duration.ts";
import type { ControlPlane, ControlPlaneOptions } from "./controlplane/server.ts";
import { isBundledControlPlane } from "./generators/shared/control_plane.ts";
import { defaultRegistry } from "./generators/mod.ts";
import { controlPlaneHttpPort } from "./generators/local/local.ts";
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
  /** Every file under dir (relative `/`-separated path → content); empty when dir does not exist. */
  readTree(dir: string): Promise<Map<string, string>>;
  /** Creates the directory a file will be written in. */
  makeParentDir(path: string): Promise<void>;
  /**
   * Runs a bash script with extra env, its output on ours; Ctrl-C and SIGTERM
   * are passed on as SIGTERM. Resolves with its exit status.
   */
  runScript(script: string, env: Record<string, string>): Promise<number>;
  /** Resolves with the signal's name on Ctrl-C or SIGTERM (long-running commands). */
  untilStopped(): Promise<string>;
}

const HELP = {
  main: `flowctl ${VERSION}: compile pipeline files into deployable outputs

Usage:
  flowctl validate [--format text|json] FILE...
  flowctl translate -f FILE [-t TARGET] [-o DIR [--check]] [--format text|json]
  flowctl run [OPTIONS] FILE
  flowctl controlplane [--port 8080] [--http-port 8081] [--db PATH | --in-memory]
  flowctl --version

Commands:
  validate    check pipeline files and report every problem
  translate   generate the files of a target (default: spec.driver, else docker-compose)
  run         run a pipeline on this machine (the local target, without writing it out)
  controlplane
              serve the control plane that components register with

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
  run: `Usage: flowctl run [OPTIONS] FILE

Runs a pipeline on this machine, as the local target's run.sh would, without
writing it out: the control plane runs inside this process, then each
component starts in order (commands as processes, images with docker run).
Output goes to the terminal as [component] lines and to LOG-DIR/<component>.log.
Ctrl-C or SIGTERM stops everything in reverse order.

Options:
  --log-dir DIR     where the logs go (default: logs)
  --state-dir DIR   the control plane's store (default: .flowctl)
  --in-memory       keep no control-plane store
  -h, --help        show this help
  Options of the local target (see flowctl translate --help) apply too.
`,
  controlplane: `Usage: flowctl controlplane [OPTIONS]

Serves the control plane: components register and heartbeat over gRPC
(flowctl.v1.ControlPlaneService and the older flowctl.ControlPlane), and
operators read /health, /metrics (Prometheus) and /api/services over HTTP.
Registrations and pipeline runs are kept in a file and survive a restart.
Stops on Ctrl-C or SIGTERM.

Options:
  --address ADDR            listen address (default: 0.0.0.0)
  --port PORT               gRPC port, 0 for any free one (default: 8080)
  --http-port PORT|off      HTTP port for operators (default: 8081)
  --heartbeat-ttl DURATION  silence after which a component is unhealthy (default: 30s)
  --janitor-interval DURATION
                            how often silence is checked (default: 10s, or a
                            third of the TTL when that is shorter)
  --db PATH                 the store's file (default: ~/.flowctl/registry.db)
  --in-memory               keep nothing across restarts
  --advertise HOST:PORT     the address told to components (default: ADDR:PORT)
  -h, --help                show this help
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
    "  --check               write nothing; compare DIR with what would be written, print a",
    "                        unified diff, exit 1 when files are missing, changed or extra",
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
      case "run":
        return await runPipeline(rest, io);
      case "controlplane":
      case "control-plane":
        return await runControlPlaneCommand(rest, io);
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

/** A file-system step: its failure is the user's to fix (a path, a permission), not a bug. */
async function onDisk<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new InputError(`cannot ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

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
  }, { ...optionFlags.booleans, "--check": "check" });
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
  const check = flags.values.check === "true";
  if (check && output === undefined) throw new UsageError("--check compares with a directory; give -o DIR");

  const input = await readInput(file, io);
  const checked = validate(input.text, { filename: input.name, cue: await io.cue() });
  // Several targets: each one's files go under <target>/.
  const runs = targets.map((target) => {
    const r = generate(checked.pipelines, { target, registry, generatorOptions });
    const prefix = targets.length > 1 ? `${r.target}/` : "";
    return { ...r, files: r.files.map((f) => ({ ...f, path: prefix + f.path })) };
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
  const drifted = !failed && check ? drift(files, await onDisk(`read ${output}`, () => io.readTree(output!))) : [];
  if (!failed && output !== undefined && !check) await onDisk(`write into ${output}`, () => io.writeFiles(output, files));

  if (format === "json") {
    io.stdout(JSON.stringify(
      {
        diagnostics: checked.diagnostics,
        ...(check && { drift: drifted }),
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
    if (!failed && check) {
      for (const d of drifted) io.stdout(d.patch);
      io.stderr(
        drifted.length
          ? `${output} differs from what ${input.name} generates: ${drifted.map((d) => `${d.path} (${d.change})`).join(", ")}\n` +
            `run flowctl translate without --check to update it\n`
          : `${output} is up to date (${plural(files.length, "file")})\n`,
      );
    } else if (!failed && output !== undefined) {
      io.stderr(`wrote ${plural(files.length, "file")} to ${output}: ${files.map((f) => f.path).join(", ")}\n`);
    }
  }
  return failed || drifted.length ? 1 : 0;
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

/** Every option of the targets (default: all) as a flag: `--name VALUE`, or `--name` for booleans. */
function targetOptionFlags(registry: GeneratorRegistry, targets: readonly string[] = registry.names()) {
  const values: Record<string, string> = {};
  const booleans: Record<string, string> = {};
  for (const name of targets) {
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

async function runControlPlaneCommand(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(args, {
    "--address": "address",
    "--port": "port",
    "--http-port": "httpPort",
    "--heartbeat-ttl": "ttl",
    "--janitor-interval": "sweep",
    "--db": "db",
    "--advertise": "advertise",
  }, { "--in-memory": "inMemory" });
  if (flags.help) {
    io.stdout(HELP.controlplane);
    return 0;
  }
  if (flags.positional.length) throw new UsageError(`controlplane takes no arguments, not ${JSON.stringify(flags.positional[0])}`);
  const v = flags.values;
  const port = portFlag("--port", v.port ?? "8080");
  const httpPort = v.httpPort === "off" ? undefined : portFlag("--http-port", v.httpPort ?? "8081");
  const heartbeatTtlMs = durationFlag("--heartbeat-ttl", v.ttl ?? "30s");
  const inMemory = v.inMemory === "true";
  if (inMemory && v.db !== undefined) throw new UsageError("use --db PATH or --in-memory, not both");
  const home = io.env("HOME");
  const db = inMemory ? undefined : v.db ?? (home ? `${home}/.flowctl/registry.db` : undefined);
  if (!inMemory && db === undefined) throw new UsageError("HOME is not set: give --db PATH or --in-memory");
  const options = {
    address: v.address ?? "0.0.0.0",
    port,
    httpPort,
    db,
    heartbeatTtlMs,
    sweepIntervalMs: v.sweep === undefined ? undefined : durationFlag("--janitor-interval", v.sweep),
    advertise: v.advertise,
    log: (line: string) => io.stderr(`flowctl controlplane: ${line}\n`),
  };
  if (db) await onDisk(`create the folder of ${db}`, () => io.makeParentDir(db));
  const cp = await startControlPlane(options);
  io.stderr(
    `flowctl controlplane: gRPC on ${options.address}:${cp.grpcPort}` +
      (cp.httpPort === undefined ? "" : `, HTTP on ${options.address}:${cp.httpPort}`) +
      `, ${db ? `store ${db}` : "in memory"}\n`,
  );
  const signal = await io.untilStopped();
  io.stderr(`flowctl controlplane: ${signal}, stopping\n`);
  await cp.close();
  return 0;
}

async function runPipeline(args: string[], io: Io): Promise<number> {
  const registry = defaultRegistry();
  const optionFlags = targetOptionFlags(registry, ["local"]);
  const flags = parseFlags(args, { "--log-dir": "logDir", "--state-dir": "stateDir", ...optionFlags.values }, {
    "--in-memory": "inMemory",
    ...optionFlags.booleans,
  });
  if (flags.help) {
    io.stdout(HELP.run);
    return 0;
  }
  if (flags.positional.length !== 1) throw new UsageError("run needs one FILE");
  const generatorOptions = targetOptions(flags, ["local"], registry);
  const input = await readInput(flags.positional[0], io);
  const checked = validate(input.text, { filename: input.name, cue: await io.cue() });
  printDiagnostics(checked.diagnostics, io);
  if (hasErrors(checked.diagnostics)) return 1;
  if (checked.pipelines.length !== 1) {
    throw new InputError(`${input.name} holds ${checked.pipelines.length} pipelines; run takes one (use translate -t local -o DIR)`);
  }
  const generated = generate(checked.pipelines, { target: "local", registry, generatorOptions });
  printDiagnostics(generated.diagnostics, io);
  if (hasErrors(generated.diagnostics)) return 1;

  const ir = checked.pipelines[0];
  const logDir = flags.values.logDir ?? "logs";
  const stateDir = flags.values.stateDir ?? ".flowctl";
  const env: Record<string, string> = { FLOWCTL_LOG_DIR: logDir, FLOWCTL_STATE_DIR: stateDir };
  // The bundled control plane runs here, as Go flowctl's embedded one does; the script then uses it.
  let cp: { close(): Promise<void> } | undefined;
  const cpIr = ir.controlPlane;
  if (isBundledControlPlane(cpIr)) {
    const db = flags.values.inMemory === "true" ? undefined : `${stateDir}/registry.db`;
    if (db) await onDisk(`create the folder of ${db}`, () => io.makeParentDir(db));
    cp = await startControlPlane({
      address: "127.0.0.1",
      port: cpIr.port,
      httpPort: controlPlaneHttpPort(ir, generatorOptions),
      db,
      heartbeatTtlMs: parseDuration(cpIr.heartbeatTTL)! / 1e6,
      log: (line) => io.stderr(`[control-plane] ${line}\n`),
    });
    env.FLOWCTL_CONTROL_PLANE = "external";
  }
  try {
    return await io.runScript(generated.files[0].content, env);
  } finally {
    await cp?.close();
  }
}

/** Starts the control plane (loaded on demand: other commands need no sockets); a failure to listen is an input error. */
async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const server = await import("./controlplane/server.ts");
  try {
    return await server.startControlPlane(options);
  } catch (err) {
    throw new InputError(err instanceof Error ? err.message : String(err));
  }
}

function portFlag(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${flag} needs a port number 0-65535, not ${JSON.stringify(text)}`);
  return n;
}

function durationFlag(flag: string, text: string): number {
  const ns = parseDuration(text);
  if (!ns) throw new UsageError(`${flag} needs a duration such as 30s or 1m, not ${JSON.stringify(text)}`);
  return Math.max(1, Math.round(ns / 1e6));
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

if (import.meta.main) {
  const { denoIo } = await import("./host/deno_io.ts");
  Deno.exit(await main(Deno.args, denoIo()));
}
