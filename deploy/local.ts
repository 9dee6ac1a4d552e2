/**
 * local: `flowctl run` started in the background, its pid and output in the
 * state folder (as the pipeline's logs and control-plane store are); delete
 * sends it SIGTERM, which stops the components in order.
 */
import { localControlPlane } from "../generators/local/local.ts";
import { type Deployment, type DeployRequest, inDir, operatorTls, run, RUNTIME_FOLDER, type StopCommand } from "./plan.ts";

export function localDeployment(req: DeployRequest): Deployment {
  // What the running pipeline keeps goes under run/, apart from the files translate wrote.
  const pidFile = inDir(req.dir, `${RUNTIME_FOLDER}/pid`);
  const plan = localControlPlane(req.ir, req.options);
  const bundled = req.ir.controlPlane.enabled && plan.bundled;
  // With TLS its HTTP port answers HTTPS, checked against the CA in the pipeline's tls dir.
  const tls = operatorTls(req);
  const base = `${tls ? "https" : "http"}://${plan.address}:${plan.httpPort}`;
  const stop: StopCommand = { kind: "stop", pidFile, purpose: "stop flowctl run if it runs, which stops the components in reverse order" };
  return {
    target: "local",
    dir: req.dir,
    files: req.files,
    preflight: [],
    // Applying again restarts it with the file as it is now.
    apply: [stop, {
      kind: "detach",
      argv: [...req.flowctl, "run", "--log-dir", inDir(req.dir, `${RUNTIME_FOLDER}/logs`), "--state-dir", inDir(req.dir, `${RUNTIME_FOLDER}/state`), ...req.optionArgs, ...req.pipelineArgs],
      env: {},
      pidFile,
      logFile: inDir(req.dir, `${RUNTIME_FOLDER}/output.log`),
      ...(bundled && { readyUrl: `${base}/health` }),
      ...(bundled && tls && { readyTls: { ca: tls.ca } }),
      timeoutSeconds: req.timeoutSeconds,
      purpose: bundled ? "run the pipeline in the background with flowctl run, and wait until its control plane answers" : "run the pipeline in the background with flowctl run",
    }],
    delete: [stop],
    status: [
      run("say whether flowctl run runs", [
        "bash",
        "-c",
        'pid=$(cat -- "$1" 2>/dev/null) && kill -0 "$pid" 2>/dev/null && echo "flowctl run is running (pid $pid)" || { echo "flowctl run is not running"; exit 3; }',
        "flowctl",
        pidFile,
      ]),
    ],
    controlPlane: bundled
      ? { kind: "url", url: `${base}/api/services`, ...(tls && { tls }) }
      : { kind: "none", why: req.ir.controlPlane.enabled ? "the control plane is not flowctl's own" : "the pipeline has no control plane" },
  };
}
