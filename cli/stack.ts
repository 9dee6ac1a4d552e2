/**
 * The pipeline a command works on, as the command line gives it: `-f FILE`
 * once, or several times for overlays laid over the first in order
 * (`-f base.yaml -f prod.yaml`), then `--set PATH=VALUE` values. A lone
 * positional FILE is the same as `-f FILE`.
 */
import type { Diagnostic } from "../compiler/diagnostics.ts";
import { fileSources } from "../compiler/file_sources.ts";
import { setSyntaxProblem } from "../compiler/set_value.ts";
import { merge } from "../translate/compile.ts";
import type { PipelineText } from "../translate/translate.ts";
import { UsageError } from "./errors.ts";
import type { Flags } from "./flags.ts";
import type { Io } from "./io.ts";
import { folderOf, readInput } from "./input.ts";

/** The flags of a stack, for a command's flag table (`-f`, `--file`, `--set`). */
export const STACK_FLAGS = { "-f": "file", "--file": "file", "--set": "set" } as const;

export interface Stack {
  /** The first file, and its name as the user gave it. */
  input: PipelineText;
  file: string;
  /** The files laid over it, in order. */
  overlays: PipelineText[];
  set: string[];
  /** The bytes of the files' sources the layered pipeline names, read relative to the first file's folder. */
  sources: Map<string, Uint8Array>;
}

/** The file names and settings of the stack, checked but not read. */
export function stackArgs(flags: Flags, command: string): { files: string[]; set: string[] } {
  const given = flags.repeated.file ?? [];
  const files = given.length ? given : flags.positional.length === 1 ? flags.positional : [];
  if (!files.length) throw new UsageError(`${command} needs -f FILE`);
  if (given.length && flags.positional.length) {
    throw new UsageError(`${command} takes its files as -f FILE (several for overlays), not also ${JSON.stringify(flags.positional[0])}`);
  }
  if (flags.positional.length > 1) throw new UsageError(`${command} takes one pipeline file; give overlays as -f BASE -f OVERLAY`);
  if (files.slice(1).includes("-")) throw new UsageError("only the first -f may be - (standard input)");
  const set = flags.repeated.set ?? [];
  for (const expression of set) {
    const problem = setSyntaxProblem(expression);
    if (problem) throw new UsageError(problem);
  }
  return { files, set };
}

/** Reads every file of the stack. */
export async function readStack(flags: Flags, command: string, io: Io): Promise<Stack> {
  const { files, set } = stackArgs(flags, command);
  const [input, ...overlays] = await Promise.all(files.map((f) => readInput(f, io)));
  const sources = await sourcesOf(input, files[0], io, overlays, set);
  return { input, file: files[0], overlays, set, sources };
}

/** A --set path that addresses nothing is a usage error on the command line (E_SET_PATH in the library). */
export function refuseSetProblems(diagnostics: readonly Diagnostic[]): void {
  const problems = diagnostics.filter((d) => d.code === "E_SET_PATH");
  if (problems.length) throw new UsageError(problems.map((d) => d.message).join("; "));
}

/**
 * The bytes of the files' sources the (layered) pipeline names, read here, by
 * the host, relative to the pipeline file's folder: the core reads no files.
 * One that cannot be read is left out; the compiler reports it at its line.
 */
export async function sourcesOf(input: PipelineText, file: string, io: Io, overlays: PipelineText[] = [], set: string[] = []): Promise<Map<string, Uint8Array>> {
  const { documents } = merge(input.text, { filename: input.name, overlays, set });
  const folder = `${folderOf(file)}/`;
  const sources = new Map<string, Uint8Array>();
  for (const source of fileSources(documents)) {
    const bytes = await io.readFile(source.startsWith("/") ? source : folder + source).catch(() => undefined);
    if (bytes) sources.set(source, bytes);
  }
  return sources;
}
