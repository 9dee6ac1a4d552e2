/**
 * Runs a deployment's steps (deploy/plan.ts) through the Io, one after the
 * other, and stops at the first that fails with a report of it: the step,
 * the exact command, what the engine said, what was done before it, and
 * how to remove what was started. `--dry-run` prints the same steps instead.
 */
import { CONTROL_PLANE_DEFAULTS } from "../compiler/format.ts";
import type { EngineCommand, Step } from "../deploy/mod.ts";
import { InputError } from "./errors.ts";
import { readHttpTls } from "./http_tls.ts";
import { buildControlPlaneImage, hasImage } from "./image.ts";
import type { ExecResult, Io } from "./io.ts";

/** How long a stopped local pipeline gets to stop its components before it is killed. */
const STOP_GRACE_SECONDS = 60;
/** How many lines of an engine's output a failure report quotes. */
const QUOTED_LINES = 20;

export type Outcome = { ok: true } | { ok: false; report: string };

/** One shell line per step, with its purpose above it: what --dry-run prints. */
export function describeSteps(steps: readonly Step[]): string {
  return steps.map((step) => `# ${step.purpose}\n${commandLine(step)}\n`).join("");
}

/** The step as a command a user could type (the local target's background run as the shell would start it). */
export function commandLine(step: Step): string {
  switch (step.kind) {
    case "run":
      return words(step.argv) + (step.stdin === undefined ? "" : " <<< (standard input)");
    case "detach":
      return `setsid ${words(step.argv)} >>${shellWord(step.logFile)} 2>&1 </dev/null & echo $! >${shellWord(step.pidFile)}`;
    case "stop":
      return `kill -TERM "$(cat ${shellWord(step.pidFile)})"`;
    case "image":
      return step.image === CONTROL_PLANE_DEFAULTS.image
        ? `docker image inspect ${shellWord(step.image)} || flowctl controlplane image build --tag ${shellWord(step.image)}`
        : `docker image inspect ${shellWord(step.image)}`;
  }
}

function words(argv: readonly string[]): string {
  return argv.map(shellWord).join(" ");
}

/** A word as a user would type it: as it is when the shell reads it so, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs the steps in order. `undo` is the command that removes what apply
 * started (a failure report names it); progress goes to stderr.
 */
export async function runSteps(steps: readonly Step[], io: Io, command: string, undo?: string): Promise<Outcome> {
  for (const [i, step] of steps.entries()) {
    io.stderr(`flowctl ${command}: ${step.purpose}\n`);
    const failure = await runStep(step, io);
    if (failure === undefined) continue;
    const done = steps.slice(0, i).map((s) => `    ${s.purpose}\n`).join("");
    const report = [
      `flowctl ${command}: step ${i + 1} of ${steps.length} failed: ${step.purpose}\n`,
      `  command: ${commandLine(step)}\n`,
      failure,
      done ? `  done before it:\n${done}` : "  nothing was done before it\n",
      undo && i > 0 ? `  to remove what was started: ${undo}\n` : "",
    ].join("");
    return { ok: false, report };
  }
  return { ok: true };
}

/** Runs one step; what went wrong (indented lines for the report), or undefined. */
async function runStep(step: Step, io: Io): Promise<string | undefined> {
  switch (step.kind) {
    case "run": {
      const result = await io.exec(step.argv, { stdin: step.stdin === undefined ? undefined : new TextEncoder().encode(step.stdin), echo: io.isTerminal });
      return result.code === 0 ? undefined : failed(result, step, io.isTerminal);
    }
    case "image":
      try {
        if (await hasImage(io, step.image)) return undefined;
        if (step.image !== CONTROL_PLANE_DEFAULTS.image) return undefined; // the engine pulls it
        io.stderr(`flowctl: the engine has no ${step.image}; building it (flowctl controlplane image build)\n`);
        await buildControlPlaneImage(io, step.image);
        return undefined;
      } catch (err) {
        if (err instanceof InputError) return indent(err.message);
        throw err;
      }
    case "detach": {
      const result = await io.exec([
        "bash",
        "-c",
        'mkdir -p -- "$(dirname -- "$1")" "$(dirname -- "$2")" && { setsid "${@:3}" >>"$2" 2>&1 </dev/null & echo $! >"$1"; }',
        "flowctl",
        step.pidFile,
        step.logFile,
        ...step.argv,
      ], { env: step.env });
      if (result.code !== 0) return failed(result, step, false);
      return step.readyUrl ? await awaitReady(step, io) : undefined;
    }
    case "stop": {
      const result = await io.exec(["bash", "-c", STOP_SCRIPT, "flowctl", step.pidFile, String(STOP_GRACE_SECONDS)]);
      return result.code === 0 ? undefined : failed(result, step, false);
    }
  }
}

/**
 * Stops what a pid file names: SIGTERM to it alone (flowctl run then stops
 * the components in reverse order), SIGKILL to its whole process group after
 * the grace time. No pid file, or a process that is gone, is nothing to do.
 */
const STOP_SCRIPT = `pidfile=$1 grace=$2
[[ -f $pidfile ]] || exit 0
pid=$(<"$pidfile")
if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null
    echo "it did not stop within \${grace}s: killed" >&2
    rm -f -- "$pidfile"
    exit 1
  fi
fi
rm -f -- "$pidfile"
`;

/** Polls the step's readyUrl until it answers 2xx; fails when the process ends first (quoting its output) or the time is up. */
async function awaitReady(step: Extract<Step, { kind: "detach" }>, io: Io): Promise<string | undefined> {
  const { readyUrl: url = "", pidFile, logFile, timeoutSeconds } = step;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const tls = step.readyTls && await readHttpTls(step.readyTls, io);
  for (;;) {
    const answer = await io.httpGet(url, 2000, tls);
    if ("status" in answer && answer.status >= 200 && answer.status < 300) return undefined;
    const alive = await io.exec(["bash", "-c", 'kill -0 "$(<"$1")" 2>/dev/null', "flowctl", pidFile]);
    const why = "status" in answer ? `answered ${answer.status}` : answer.error;
    if (alive.code !== 0 || Date.now() > deadline) {
      const log = await io.exec(["tail", "-n", String(QUOTED_LINES), logFile]);
      return indent(
        `${alive.code !== 0 ? "it stopped before" : `after ${timeoutSeconds} s, not even then`} ${url} answered (${why}); the end of ${logFile}:\n${log.stdout}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function failed(result: ExecResult, step: EngineCommand | Step, echoed: boolean): string {
  if (result.notStarted) return `  it did not start: ${result.notStarted}\n`;
  const program = "argv" in step ? step.argv[0] : "it";
  const output = [result.stdout.trim(), result.stderr.trim()].filter(Boolean).join("\n").split("\n").slice(-QUOTED_LINES).join("\n");
  return `  exit status: ${result.code}\n` +
    (echoed ? `  (${program}'s output is above)\n` : output ? `  ${program} said:\n${indent(output, "    ")}` : "");
}

function indent(text: string, by = "  "): string {
  return text.trimEnd().split("\n").map((line) => `${by}${line}\n`).join("");
}
