/**
 * `flowctl run FILE`: the local target's run.sh, run without writing it out,
 * with flowctl's own control plane served from this process (as the Go
 * tool's embedded one is) when the pipeline uses it.
 */
import { hasErrors } from "../compiler/diagnostics.ts";
import { localControlPlane } from "../generators/local/local.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { parseDuration } from "../generators/shared/duration.ts";
import { activeTls, controlPlaneTlsFiles, tlsSourcePaths } from "../generators/shared/tls.ts";
import { hasFailures, hasInternalErrors, translate } from "../translate/translate.ts";
import { topologyOf } from "../generators/shared/topology.ts";
import { startControlPlane } from "./controlplane.ts";
import { EXIT, InputError, onDisk } from "./errors.ts";
import { parseFlags, targetOptionFlags, targetOptions, usageError } from "./flags.ts";
import { HELP } from "./help.ts";
import { folderOf } from "./input.ts";
import type { Io } from "./io.ts";
import { readStack, refuseSetProblems, STACK_FLAGS, stackArgs } from "./stack.ts";
import { printDiagnostics } from "./output.ts";

export async function runPipeline(args: string[], io: Io): Promise<number> {
  const registry = defaultRegistry();
  const optionFlags = targetOptionFlags(registry, ["local"]);
  const flags = parseFlags(args, { "--log-dir": "logDir", "--state-dir": "stateDir", "--env-file": "envFile", ...STACK_FLAGS, ...optionFlags.values }, {
    "--in-memory": "inMemory",
    ...optionFlags.booleans,
  });
  if (flags.help) {
    io.stdout(HELP.run);
    return EXIT.ok;
  }
  const { set } = stackArgs(flags, "run");
  const options = targetOptions(flags, registry);
  const { input, file: pipelineFile, overlays, sources } = await readStack(flags, "run", io);
  const result = translate({ pipelines: [input], overlays, set, sources, targets: ["local"], options, cue: await io.cue(), registry });
  if (result.problems.length) throw usageError(result.problems);
  const translated = result.files[0];
  refuseSetProblems(translated.diagnostics);
  printDiagnostics(translated.diagnostics, io);
  if (hasErrors(translated.diagnostics)) return hasInternalErrors(result) ? EXIT.internal : EXIT.invalid;
  if (translated.pipelines.length !== 1) {
    throw new InputError(`${input.name} holds ${translated.pipelines.length} pipelines; run takes one (use translate -o local --output-dir DIR)`);
  }
  const local = translated.targets[0];
  printDiagnostics(local.diagnostics, io);
  if (hasFailures(result)) return hasInternalErrors(result) ? EXIT.internal : EXIT.invalid;

  const plan = localControlPlane(translated.pipelines[0], options);
  const tls = activeTls(translated.pipelines[0].controlPlane);
  // The tls dir is relative to the pipeline file, but run.sh runs here: it is told where (unless the environment says).
  const tlsDir = tls && (io.env("FLOWCTL_TLS_DIR") ?? `${folderOf(pipelineFile)}/${tls.dir.replace(/\/+$/, "")}`);
  const logDir = flags.values.logDir ?? "logs";
  const stateDir = flags.values.stateDir ?? ".flowctl";
  // Secrets from --env-file reach run.sh's environment only: never a file, a log or an argument.
  const secrets: Record<string, string> = {};
  for (const file of flags.repeated.envFile ?? []) Object.assign(secrets, await readEnvFile(file, io));
  const env: Record<string, string> = { ...secrets, FLOWCTL_LOG_DIR: logDir, FLOWCTL_STATE_DIR: stateDir, ...(tlsDir && { FLOWCTL_TLS_DIR: tlsDir }) };
  // The bundled control plane runs here, as Go flowctl's embedded one does; the script then uses it.
  let cp: { close(): Promise<void> } | undefined;
  if (plan.bundled) {
    const db = flags.values.inMemory === "true" ? undefined : `${stateDir}/registry.db`;
    if (db) await onDisk(`create the folder of ${db}`, () => io.makeParentDir(db));
    cp = await startControlPlane({
      address: plan.address,
      port: plan.port,
      httpPort: plan.httpPort,
      db,
      heartbeatTtlMs: parseDuration(plan.heartbeatTTL)! / 1e6,
      // The files run.sh would hand it (it checks the components' own; the control plane checks these itself).
      ...(tls && tlsDir && { tls: controlPlaneTlsFiles(tls, tlsSourcePaths("control-plane", (relative) => `${tlsDir}/${relative}`)) }),
      topology: topologyOf(translated.pipelines[0]),
      log: (line) => io.stderr(`[control-plane] ${line}\n`),
    });
    env.FLOWCTL_CONTROL_PLANE = "external";
  }
  try {
    return await io.runScript(local.files[0].content, env);
  } finally {
    await cp?.close();
  }
}

/**
 * `--env-file FILE`: `NAME=VALUE` lines (blank lines and `#` comments
 * skipped; `export ` allowed; a value in single or double quotes is taken
 * without them, as written). A line that is not that is an input error that
 * names its line, never its value.
 */
async function readEnvFile(path: string, io: Io): Promise<Record<string, string>> {
  const bytes = await io.readFile(path).catch((err) => {
    throw new InputError(`cannot read --env-file ${JSON.stringify(path)}: ${err instanceof Error ? err.message.replace(/, (?:readfile|open) .*$/, "") : err}`);
  });
  const out: Record<string, string> = {};
  new TextDecoder().decode(bytes).split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(#|$)/.test(line)) return;
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new InputError(`${path}:${i + 1}: not NAME=VALUE`);
    const value = match[2];
    out[match[1]] = /^(['"]).*\1$/s.test(value) && value.length >= 2 ? value.slice(1, -1) : value;
  });
  return out;
}
