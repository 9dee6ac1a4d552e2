/** nomad: `nomad job run` (which waits for the deployment), `job stop -purge`, `job status`. */
import { type Deployment, type DeployRequest, mustSucceed, run } from "./plan.ts";

export function nomadDeployment(req: DeployRequest): Deployment {
  const hcl = req.files.find((f) => f.path.endsWith(".nomad.hcl"));
  if (!hcl) throw new Error("the nomad target made no .nomad.hcl file");
  const job = /^job "([^"]+)"/m.exec(hcl.content)?.[1];
  if (!job) throw new Error(`${hcl.path} has no job block`);
  // The job's own region and namespace: stop and status must name them as run read them.
  const scope = ["region", "namespace"].flatMap((key) => {
    const value = new RegExp(`^  ${key}\\s*=\\s*"([^"]*)"`, "m").exec(hcl.content)?.[1];
    return value === undefined ? [] : [`-${key}=${value}`];
  });
  return {
    target: "nomad",
    dir: req.dir,
    files: req.files,
    preflight: [
      mustSucceed("check that nomad reaches an agent", ["nomad", "status"], "install nomad and set NOMAD_ADDR to the cluster's address (and NOMAD_TOKEN if ACLs are on)"),
    ],
    apply: [run("submit the job and wait for its deployment", ["nomad", "job", "run", `${req.dir.replace(/\/+$/, "")}/${hcl.path}`])],
    delete: [run("stop the job and purge it", ["nomad", "job", "stop", ...scope, "-purge", job])],
    status: [run("show the job", ["nomad", "job", "status", ...scope, job])],
    controlPlane: {
      kind: "none",
      why: "Nomad gives its address through service discovery (nomad service info flowctl-control-plane); flowctl does not reach into the cluster's network",
    },
  };
}
