/** Shared test set-up: one CUE engine for the whole run, and fixture listing. */
import type { CueEngine } from "../../compiler/cue.ts";
import { loadCue } from "../../host/cue_wasm.ts";

export const ROOT = new URL("../../", import.meta.url);

let engine: Promise<CueEngine> | undefined;
export function cue(): Promise<CueEngine> {
  engine ??= loadCue();
  return engine;
}

/** File names (not folders) in a fixtures folder, sorted. */
export async function fixtureFiles(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(new URL(`${folder}/`, ROOT))) {
    if (e.isFile && /\.(ya?ml|json)$/.test(e.name)) names.push(e.name);
  }
  return names.sort();
}

/** Polls `check` every 50 ms until it holds; fails after `seconds`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pids of processes whose environment holds `entry` (e.g. `OUT_DIR=/tmp/x`): what a run started inherits it. */
export async function processesWithEnv(entry: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const environ = await Deno.readTextFile(`/proc/${e.name}/environ`).catch(() => "");
    if (environ.split("\0").includes(entry)) found.push(e.name);
  }
  return found;
}

/**
 * Starts `flowctl controlplane ARGS` in its own process and returns its ports
 * (read from its start-up line); its log is drained so it never blocks on it.
 */
export async function spawnControlPlane(args: string[]): Promise<{ child: Deno.ChildProcess; grpcPort: number; httpPort?: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", new URL("cli.ts", ROOT).pathname, "controlplane", "--address", "127.0.0.1", "--port", "0", ...args],
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!/gRPC on [\d.]+:(\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`control plane exited: ${text}`);
    text += value;
  }
  (async () => {
    while (!(await reader.read()).done);
  })();
  const http = /HTTP on [\d.]+:(\d+)/.exec(text);
  return { child, grpcPort: Number(/gRPC on [\d.]+:(\d+)/.exec(text)![1]), httpPort: http ? Number(http[1]) : undefined };
}

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; stdin is closed unless given. */
export async function exec(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
): Promise<Exec> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd ?? new URL(".", ROOT).pathname,
    env: { NO_COLOR: "1", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
