/**
 * Whole runs of `flowctl validate` kept on disk, for the bundled Deno entry
 * (dist/flowctl.js): checking files that have not changed (a pre-commit hook,
 * CI, an editor) replays the run's output without loading the compiler.
 *
 * A run is stored under the hash of what was known before it started: the
 * program's own bytes (a new build never reads old runs), the Deno version,
 * the arguments, the working folder and whether output goes to a terminal.
 * What the run read is stored with it: the bytes' hash of every file and the
 * value of every environment variable. A replay first reads them all again,
 * and any difference, a missing file or an unreadable entry is a miss. Runs
 * that did anything else (stdin, writing, another process) are not stored.
 */
import type { Io } from "../cli/io.ts";
import { writeCacheFile } from "./cache_file.ts";
import { sha256Hex } from "./sha256.ts";

const FORMAT = "flowctl-run/1";

interface RunEntry {
  key: string;
  files: [path: string, sha256: string | null][];
  env: [name: string, value: string | null][];
  output: [stream: "stdout" | "stderr", text: string][];
  code: number;
}

export interface RunKeyParts {
  codeId: string;
  args: readonly string[];
  cwd: string;
  /** Whether stdout and stderr are terminals (colour depends on it). */
  terminals: { stdout: boolean; stderr: boolean };
}

export function runKey({ codeId, args, cwd, terminals }: RunKeyParts): Promise<string> {
  return sha256Hex(JSON.stringify([FORMAT, codeId, Deno.version.deno, args, cwd, terminals.stdout, terminals.stderr]));
}

/** A stream (a pipe, /dev/stdin) gives other bytes each time it is read: a run that read one is not kept. */
async function isStream(path: string): Promise<boolean> {
  try {
    return !(await Deno.stat(path)).isFile;
  } catch {
    return false; // absent: recorded as such
  }
}

/** The bytes' hash; null when absent or unreadable (creating it later is a change); "stream" for anything but a file. */
async function fileHash(path: string): Promise<string | null> {
  try {
    if (!(await Deno.stat(path)).isFile) return "stream";
    return await sha256Hex(await Deno.readFile(path));
  } catch {
    return null;
  }
}

/** Replays a stored run if everything it read is as it was; its exit code, or undefined (a miss). */
export async function replayRun(dir: string, key: string, io: Pick<Io, "stdout" | "stderr" | "env">): Promise<number | undefined> {
  let entry: RunEntry;
  try {
    entry = JSON.parse(await Deno.readTextFile(`${dir}/runs/${key}.json`));
    if (
      entry.key !== key || !Array.isArray(entry.files) || !Array.isArray(entry.env) || !Array.isArray(entry.output) ||
      !Number.isInteger(entry.code)
    ) {
      return undefined;
    }
    for (const [name, value] of entry.env) if ((io.env(name) ?? null) !== value) return undefined;
    for (const [path, hash] of entry.files) if (await fileHash(path) !== hash) return undefined;
  } catch {
    return undefined;
  }
  for (const [stream, text] of entry.output) io[stream === "stderr" ? "stderr" : "stdout"](text);
  return entry.code;
}

/**
 * Wraps an Io to record what a run reads and prints. `store` keeps the run
 * when it only read files and the environment and ended 0 or 1.
 */
export function recordRun(io: Io): { io: Io; store(dir: string, key: string, code: number): Promise<void> } {
  const files = new Map<string, Promise<string | null>>();
  const env = new Map<string, string | null>();
  const output: RunEntry["output"] = [];
  let pure = true;
  const recorded: Io = new Proxy(io, {
    get(target, name, receiver) {
      switch (name) {
        case "readFile":
          return async (path: string) => {
            try {
              if (await isStream(path)) pure = false;
              const bytes = await target.readFile(path);
              if (files.has(path)) pure = false; // read twice: keep it simple, do not store
              files.set(path, sha256Hex(bytes));
              return bytes;
            } catch (err) {
              files.set(path, Promise.resolve(null));
              throw err;
            }
          };
        case "env":
          return (variable: string) => {
            const value = target.env(variable);
            env.set(variable, value ?? null);
            return value;
          };
        case "stdout":
        case "stderr":
          return (text: string) => {
            output.push([name, text]);
            target[name](text);
          };
        case "cue":
        case "isTerminal":
          return Reflect.get(target, name, receiver);
        default:
          pure = false; // stdin, writing, processes, network: not a replayable run
          return Reflect.get(target, name, receiver);
      }
    },
  });
  return {
    io: recorded,
    async store(dir, key, code) {
      if (!pure || (code !== 0 && code !== 1)) return;
      const entry: RunEntry = {
        key,
        files: await Promise.all([...files].map(async ([path, hash]) => [path, await hash] as [string, string | null])),
        env: [...env],
        output,
        code,
      };
      await writeCacheFile(`${dir}/runs`, `${key}.json`, JSON.stringify(entry));
    },
  };
}
