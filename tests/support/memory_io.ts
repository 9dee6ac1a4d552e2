/** The CLI's Io with files, stdin and output in memory: commands run as functions, nothing touches the disk. */
import { type Io, main } from "../../cli/mod.ts";
import type { OutputFile } from "../../generators/generator.ts";
import { cue, ROOT } from "./helpers.ts";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** What `--output-dir DIR` (or `--to-file`, in its folder) would have written, by DIR. */
  written: Map<string, OutputFile[]>;
}

/** What a test puts in place of programs, the network and the environment (default: none of them). */
export type World = Partial<Pick<Io, "exec" | "httpGet" | "env" | "readOwnFile" | "removeFiles">>;

/** Runs `flowctl ARGS`; FILES are read before the repository's own (paths relative to its root). */
export function runCli(
  args: string[],
  files: Record<string, string | Uint8Array> = {},
  stdin: string | Uint8Array = "",
  tree = new Map<string, string>(),
  world: World = {},
): Promise<Run> {
  return runProgram(main, args, { files, stdin, tree, world });
}

/** Runs a program of the CLI's shape (`main`, the control-plane image's) against an Io in memory. */
export async function runProgram(
  program: (args: string[], io: Io) => Promise<number>,
  args: string[],
  { files = {}, stdin = "", tree = new Map(), world = {} }: {
    files?: Record<string, string | Uint8Array>;
    stdin?: string | Uint8Array;
    tree?: Map<string, string>;
    world?: World;
  } = {},
): Promise<Run> {
  const out = { stdout: "", stderr: "", written: new Map<string, OutputFile[]>() };
  const bytes = (text: string | Uint8Array) => typeof text === "string" ? new TextEncoder().encode(text) : text;
  const io: Io = {
    readFile: (path) => {
      const given = files[path];
      return given !== undefined ? Promise.resolve(bytes(given)) : Deno.readFile(new URL(path, ROOT));
    },
    readStdin: () => Promise.resolve(bytes(stdin)),
    writeFiles: (dir, f) => Promise.resolve(void out.written.set(dir, f)),
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    env: world.env ?? (() => undefined),
    isTerminal: false,
    cue,
    makeParentDir: () => Promise.resolve(),
    readTree: () => Promise.resolve(tree),
    runScript: () => Promise.reject(new Error("no scripts run in memory")),
    untilStopped: () => new Promise(() => {}),
    readOwnFile: world.readOwnFile ?? ((name) => Deno.readFile(new URL(`dist/${name}`, ROOT))),
    exec: world.exec ?? (() => Promise.resolve({ code: 127, stdout: "", stderr: "", notStarted: "no programs run in memory" })),
    httpGet: world.httpGet ?? (() => Promise.resolve({ error: "no network in memory" })),
    removeFiles: world.removeFiles ?? (() => Promise.resolve()),
    flowctlCommand: () => ["flowctl"],
  };
  const code = await program(args, io);
  return { code, ...out };
}
