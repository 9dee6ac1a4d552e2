/**
 * local: `flowctl run` started in the background, its pid and output in the
 * state folder (as the pipeline's logs and control-plane store are); delete
 * sends it SIGTERM, which stops the components in order.
 */
import { localControlPlane } from "../generators/local/local.ts";
import { type Deployment, type DeployRequest, inDir } from "./plan.ts";

export function localDeployment(req: DeployRequest): Deployment {
  const pidFile = inDir(req.dir, "run.pid");
  const plan = localControlPlane(req.ir, req.options);
  return {
    target: "local",
    dir: req.dir,
    files: req.files,
    preflight: [],
    apply: [{
      kind: "detach",
      argv: [...req.flowctl, "run", "--log-dir", inDir(req.dir, "logs"), "--state-dir", inDir(req.dir, "state"), ...req.optionArgs, req.pipelineFile],
      env: {},
      pidFile,
      logFile: inDir(req.dir, "run.log"),
      purpose: "run the pipeline in the background with flowctl run",
    }],
    delete: [{ kind: "stop", pidFile, purpose: "stop flowctl run, which stops the components in reverse order" }],
    status: [],
    controlPlane: req.ir.controlPlane.enabled && plan.bundled
      ? { kind: "url", url: `http://${plan.address}:${plan.httpPort}/api/services` }
      : { kind: "none", why: req.ir.controlPlane.enabled ? "the control plane is not flowctl's own" : "the pipeline has no control plane" },
  };
}
