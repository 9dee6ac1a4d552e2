/** The engine of each target: how `flowctl apply`, `delete` and `status` hand its files over. */
import { composeDeployment } from "./compose.ts";
import { kubernetesDeployment } from "./kubernetes.ts";
import { localDeployment } from "./local.ts";
import { nomadDeployment } from "./nomad.ts";
import type { Deployment, DeployRequest } from "./plan.ts";

export type { CommandResult, ControlPlaneView, Deployment, DeployRequest, EngineCommand, Preflight, Step, Verdict } from "./plan.ts";
export { RUNTIME_FOLDER } from "./plan.ts";

const ENGINES: Record<string, (req: DeployRequest) => Deployment> = {
  "docker-compose": composeDeployment,
  kubernetes: kubernetesDeployment,
  nomad: nomadDeployment,
  local: localDeployment,
};

/** The deployment of one pipeline's files for a target, or undefined when flowctl knows no engine for it. */
export function deployment(target: string, req: DeployRequest): Deployment | undefined {
  return Object.hasOwn(ENGINES, target) ? ENGINES[target](req) : undefined;
}

export function deployableTargets(): string[] {
  return Object.keys(ENGINES);
}
