/**
 * `flowctl delete -f FILE [-o TARGET]`: stops and removes what apply started,
 * with the engine's own commands (deploy/), then the files apply wrote.
 * Volumes and claims stay unless --volumes is given.
 */
import { deployFlags, prepare } from "./deployment.ts";
import { EXIT } from "./errors.ts";
import { DEPLOY_HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { clearStateFolder } from "./state_folder.ts";
import { describeSteps, runSteps } from "./steps.ts";

export async function runDelete(args: string[], io: Io): Promise<number> {
  const flags = deployFlags("delete", args, io, DEPLOY_HELP.delete);
  if (!flags) return EXIT.ok;
  const prepared = await prepare("delete", flags, io);
  if (typeof prepared === "number") return prepared;
  const { deployment } = prepared;
  if (prepared.dryRun) {
    io.stdout(`# flowctl delete --dry-run: ${deployment.target}, files in ${deployment.dir}\n` + describeSteps(deployment.delete));
    return EXIT.ok;
  }
  const outcome = await runSteps(deployment.delete, io, "delete");
  if (!outcome.ok) {
    io.stderr(outcome.report);
    return EXIT.invalid;
  }
  await clearStateFolder(deployment, io);
  io.stderr(`flowctl delete: ${prepared.pipeline.name} removed (${deployment.target})\n`);
  return EXIT.ok;
}
