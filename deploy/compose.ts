/** docker-compose: `docker compose up --wait`, with the project named as in the file. */
import { parse } from "yaml";
import { CONTROL_PLANE_DEFAULTS } from "../compiler/format.ts";
import { CONTROL_PLANE_HTTP_PORT, CONTROL_PLANE_NAME, helperImage, runsFlowctlImage } from "../generators/shared/control_plane.ts";
import { type CommandResult, type Deployment, type DeployRequest, inDir, operatorTls, type Preflight, run, said, type Verdict } from "./plan.ts";

const INSTALL = "install Docker Engine with the Compose v2 plugin (`docker compose`): https://docs.docker.com/compose/install/";
/** `up --wait-timeout` came with Compose 2.17. */
const COMPOSE_MINIMUM = [2, 17];
/** Healthcheck start_interval came with Docker Engine 25 (API 1.44); older engines refuse it. */
const START_INTERVAL_API = [1, 44];

export function composeDeployment(req: DeployRequest): Deployment {
  const file = req.files.find((f) => f.path === "docker-compose.yaml");
  if (!file) throw new Error("the docker-compose target made no docker-compose.yaml");
  const project = String((parse(file.content) as { name: unknown }).name);
  // Relative paths (bind mounts) start from the pipeline file's folder, not the state folder.
  const compose = ["docker", "compose", "--project-name", project, "--project-directory", req.projectDir, "--file", inDir(req.dir, file.path)];
  const cp = req.ir.controlPlane;
  const flowctlImage = cp.enabled && runsFlowctlImage(cp);
  // flowctl can build its own image (the default tag) when the engine lacks it; others are pulled.
  const images = [...new Set([...(flowctlImage ? [cp.image] : []), ...(req.ir.components.some((c) => c.health) ? [helperImage(cp)] : [])])]
    .filter((image) => image === CONTROL_PLANE_DEFAULTS.image);
  return {
    target: "docker-compose",
    dir: req.dir,
    files: req.files,
    preflight: COMPOSE_PREFLIGHT,
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
        ...(flowctlImage && operatorTls(req) && { tls: operatorTls(req) }),
      }
      : { kind: "none", why: cp.enabled ? "the control plane is not flowctl's image" : "the pipeline has no control plane" },
  };
}

const COMPOSE_PREFLIGHT: Preflight[] = [
  {
    command: run("check that Docker Compose v2 is installed", ["docker", "compose", "version", "--short"]),
    judge(result): Verdict {
      if (result.notStarted) return { ok: false, problem: `cannot run docker (${result.notStarted})`, hint: INSTALL };
      if (result.code !== 0) {
        return {
          ok: false,
          problem: `docker has no Compose v2 (\`docker compose\`): ${said(result)}`,
          hint: `${INSTALL}; the older docker-compose 1.x (Compose v1) cannot read the top-level name flowctl's files have`,
        };
      }
      const version = versionOf(result.stdout);
      if (version && older(version, COMPOSE_MINIMUM)) {
        return {
          ok: false,
          problem: `Docker Compose ${result.stdout.trim()} is older than ${COMPOSE_MINIMUM.join(".")}, which flowctl apply needs (up --wait-timeout)`,
          hint: "upgrade the Compose v2 plugin",
        };
      }
      return { ok: true };
    },
  },
  {
    command: run("check that the Docker engine answers, and which API it speaks", ["docker", "version", "--format", "{{.Server.APIVersion}}"]),
    judge(result: CommandResult): Verdict {
      if (result.notStarted) return { ok: false, problem: `cannot run docker (${result.notStarted})`, hint: INSTALL };
      if (result.code !== 0) {
        return {
          ok: false,
          problem: `the Docker engine does not answer: ${said(result)}`,
          hint: "start Docker, or point DOCKER_HOST (or the docker context) at the engine to use",
        };
      }
      const api = versionOf(result.stdout);
      if (!api || !older(api, START_INTERVAL_API)) return { ok: true };
      return {
        ok: true,
        options: { "start-interval": "0s" },
        note: `this Docker engine speaks API ${api.join(".")}, and health checks have start_interval from API ${START_INTERVAL_API.join(".")} (Docker 25) on`,
      };
    },
  },
];

/** `2.26.1`, `v2.26.1-desktop.1` or `1.41` as numbers. */
function versionOf(text: string): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function older(version: number[], than: number[]): boolean {
  return version[0] !== than[0] ? version[0] < than[0] : version[1] < than[1];
}
