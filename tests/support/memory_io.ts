/** The CLI's Io with files, stdin and output in memory: commands run as functions, nothing touches the disk. */
import { type Io, main } from "../../cli.ts";
import type { OutputFile } from "../../generators/generator.ts";
import { cue, ROOT } from "./helpers.ts";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** What `--output-dir DIR` (or `--to-file`, in its folder) would have written, by DIR. */
  written: Map<string, OutputFile[]>;
}

/** Runs `flowctl ARGS`; FILES are read before the repository's own (paths relative to its root). */
export async function runCli(
  args: string[],
  files: Record<string, string | Uint8Array> = {},
  stdin: string | Uint8Array = "",
  tree = new Map<string, string>(),
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
    env: () => undefined,
    isTerminal: false,
    cue,
    makeParentDir: () => Promise.resolve(),
    readTree: () => Promise.resolve(tree),
    runScript: () => Promise.reject(new Error("no scripts run in memory")),
    untilStopped: () => new Promise(() => {}),
  };
  const code = await main(args, io);
  return { code, ...out };
}
