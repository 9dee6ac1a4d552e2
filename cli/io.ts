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
  /** The CUE evaluator, created on first use; with cache false, never answering from the cache of CUE's answers. */
  cue(options?: { cache?: boolean }): Promise<CueEngine>;
  /** Every file under dir (relative `/`-separated path → content); empty when dir does not exist. */
  readTree(dir: string): Promise<Map<string, string>>;
  /** Creates the directory a file will be written in. */
  makeParentDir(path: string): Promise<void>;
  /**
   * Runs a bash script with extra env, its output on ours; Ctrl-C and SIGTERM
   * are passed on as SIGTERM. Resolves with its exit status.
   */
  runScript(script: string, env: Record<string, string>): Promise<number>;
  /**
   * A file flowctl carries beside itself, such as `control-plane.js` (the
   * control-plane image's program): where it is depends on how flowctl was
   * installed (a checkout's dist/, the npm package's folder).
   */
  readOwnFile(name: string): Promise<Uint8Array>;
  /** Resolves with the signal's name on Ctrl-C or SIGTERM (long-running commands). */
  untilStopped(): Promise<string>;
  /**
   * Runs a program (argv[0], looked up on PATH; no shell) to its end, its
   * output captured. A program that cannot start is data too (`notStarted`).
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * One HTTP GET: the answer's status and text, or why there was none within
   * timeoutMs. An https URL is verified against `tls.ca` when given, and
   * `tls.cert` with `tls.key` is presented as the client's certificate.
   */
  httpGet(url: string, timeoutMs: number, tls?: HttpTls): Promise<HttpAnswer>;
  /** Removes these files (relative paths) from dir; one already gone is no error. */
  removeFiles(dir: string, paths: readonly string[]): Promise<void>;
  /**
   * The argv that runs this same flowctl (the Deno binary with its program,
   * or Node with the npm package's), for what flowctl starts in the background.
   */
  flowctlCommand(): string[];
}

export interface ExecOptions {
  /** Its standard input; without it, stdin is empty. */
  stdin?: Uint8Array;
  cwd?: string;
  /** Added to this process's environment (a name given here wins). */
  env?: Record<string, string>;
  /** Also copy its output to our stderr as it arrives: the progress of a long step. */
  echo?: boolean;
}

export interface ExecResult {
  /** Its exit status (128 + the signal's number when a signal ended it); 127 when it did not start. */
  code: number;
  stdout: string;
  stderr: string;
  /** Why it did not start (not found, not executable), when it did not. */
  notStarted?: string;
}

/** PEM texts for a GET over TLS: the CA that signed the server's certificate, and a client certificate. */
export interface HttpTls {
  ca: string;
  cert?: string;
  key?: string;
}

/** An HTTP answer (its text, where the host read it: stand-ins in tests may leave it out), or why there was none. */
export type HttpAnswer = { status: number; body?: string } | { error: string };
