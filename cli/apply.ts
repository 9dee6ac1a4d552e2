/**
 * `flowctl apply -f FILE [-o TARGET]`: checks that the target's engine is
 * there, translates the pipeline, writes its files into the state folder and
 * runs the engine's commands (deploy/), waiting until the pipeline runs.
 */
import type { GeneratorOptions } from "../generators/generator.ts";
import { deployFlags, prepare, type Prepared } from "./deployment.ts";
import { EXIT } from "./errors.ts";
import { DEPLOY_HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { describeSteps, runSteps, shellWord } from "./steps.ts";
import { writeStateFolder } from "./state_folder.ts";
import { controlPlaneUrl } from "./status.ts";

export async function runApply(args: string[], io: Io): Promise<number> {
  const flags = deployFlags("apply", args, io, DEPLOY_HELP.apply);
  if (!flags) return EXIT.ok;
  let prepared = await prepare("apply", flags, io);
  if (typeof prepared === "number") return prepared;
  const { deployment } = prepared;
  if (prepared.dryRun) {
    io.stdout(
      `# flowctl apply --dry-run: ${deployment.target}, files in ${deployment.dir} (not written)\n` +
        describeSteps(deployment.preflight.map((p) => p.command)) + describeSteps(deployment.apply),
    );
    return EXIT.ok;
  }

  // The engine first: nothing is written or started for an engine that is missing or too old.
  const needs: GeneratorOptions = {};
  for (const check of deployment.preflight) {
    const verdict = check.judge(await io.exec(check.command.argv));
    if (!verdict.ok) {
      io.stderr(`flowctl apply: ${verdict.problem}\n  hint: ${verdict.hint}\n`);
      return EXIT.invalid;
    }
    for (const [name, value] of Object.entries(verdict.options ?? {})) {
      if (name in prepared.given) continue; // what the user asked for wins
      needs[name] = value;
      io.stderr(`flowctl apply: --${name} ${value}${verdict.note ? `: ${verdict.note}` : ", as this engine needs"}\n`);
    }
  }
  if (Object.keys(needs).length) {
    const again = await prepare("apply", flags, io, needs, { quiet: true });
    if (typeof again === "number") return again;
    prepared = again;
  }

  await writeStateFolder(prepared.deployment, io);
  const outcome = await runSteps(prepared.deployment.apply, io, "apply", undoCommand(prepared));
  if (!outcome.ok) {
    io.stderr(outcome.report);
    return EXIT.invalid;
  }
  const where = await controlPlaneUrl(prepared.deployment, io);
  io.stderr(
    `flowctl apply: ${prepared.pipeline.name} runs (${prepared.deployment.target}; files in ${prepared.deployment.dir})\n` +
      (where.url ? `  control plane: ${where.url}\n` : "") +
      `  see it with: flowctl status ${targetArgs(prepared)}\n`,
  );
  return EXIT.ok;
}

/** `-f FILE -o TARGET` and the flags that change names and folders, as the user gave them. */
export function targetArgs(prepared: Prepared): string {
  const { flags, pipelineArgs, deployment } = prepared;
  const words = [...pipelineArgs, "-o", deployment.target];
  for (const [flag, key] of [["--state-dir", "stateDir"], ["--prefix", "prefix"]]) {
    if (flags.values[key] !== undefined) words.push(flag, flags.values[key]);
  }
  return words.map(shellWord).join(" ");
}

function undoCommand(prepared: Prepared): string {
  return `flowctl delete ${targetArgs(prepared)}`;
}
