/**
 * Everything the CLI needs of the world — files, streams, environment,
 * signals, child processes — as one interface, so the commands are functions
 * of their arguments and an `Io`: tests pass a fake one, Deno and Node their
 * real ones (host/deno_io.ts, host/node_io.ts).
 */
import type { CueEngine } from "../compiler/cue.ts";
import type { OutputFile } from "../generators/generator.ts";

export interface Io {
  /** A file's bytes (the compiler decodes them, and reports bytes that are not UTF-8). */
  readFile(path: string): Promise<Uint8Array>;
  readStdin(): Promise<Uint8Array>;
  /**
   * Writes every file under dir: each to a temporary file first, then all are
   * renamed into place, so a failure while writing leaves none of them.
   * Paths are relative and `/`-separated.
   */
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
