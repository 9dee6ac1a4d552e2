/** docker-compose: `docker compose up --wait`, with the project named as in the file. */
import { parse } from "yaml";
import { CONTROL_PLANE_DEFAULTS } from "../compiler/format.ts";
import { CONTROL_PLANE_HTTP_PORT, CONTROL_PLANE_NAME, helperImage, runsFlowctlImage } from "../generators/shared/control_plane.ts";
import { type Deployment, type DeployRequest, inDir, run } from "./plan.ts";

export function composeDeployment(req: DeployRequest): Deployment {
  const file = req.files.find((f) => f.path === "docker-compose.yaml");
  if (!file) throw new Error("the docker-compose target made no docker-compose.yaml");
  const project = String((parse(file.content) as { name: unknown }).name);
  const compose = ["docker", "compose", "--project-name", project, "--file", inDir(req.dir, file.path)];
  const cp = req.ir.controlPlane;
  const flowctlImage = cp.enabled && runsFlowctlImage(cp);
  // flowctl can build its own image (the default tag) when the engine lacks it; others are pulled.
  const images = [...new Set([...(flowctlImage ? [cp.image] : []), ...(req.ir.components.some((c) => c.health) ? [helperImage(cp)] : [])])]
    .filter((image) => image === CONTROL_PLANE_DEFAULTS.image);
  return {
    target: "docker-compose",
    dir: req.dir,
    files: req.files,
    preflight: [
      run("check that Docker Compose v2 is installed", ["docker", "compose", "version", "--short"]),
      run("check that the Docker engine answers", ["docker", "version", "--format", "{{.Server.APIVersion}}"]),
    ],
    apply: [
      ...images.map((image) => ({ kind: "image" as const, image, purpose: `make sure the engine has ${image}` })),
      run("start the services and wait until they run and their health checks pass", [
        ...compose,
        "up",
        "--detach",
        "--wait",
        "--wait-timeout",
        String(req.timeoutSeconds),
        "--remove-orphans",
      ]),
    ],
    delete: [
      run(
        `stop and remove the containers and the network${req.volumes ? ", and the volumes with their data" : " (volumes are kept; --volumes removes them)"}`,
        [...compose, "down", "--remove-orphans", ...(req.volumes ? ["--volumes"] : [])],
      ),
    ],
    status: [run("list the services", [...compose, "ps", "--all"])],
    controlPlane: flowctlImage
      ? {
        kind: "port-of",
        command: run("find the control plane's HTTP port", [...compose, "port", CONTROL_PLANE_NAME, String(CONTROL_PLANE_HTTP_PORT)]),
        path: "/api/services",
      }
      : { kind: "none", why: cp.enabled ? "the control plane is not flowctl's image" : "the pipeline has no control plane" },
  };
}
