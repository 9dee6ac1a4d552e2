/**
 * `flowctl controlplane image build [--tag T] [--push]`: builds the
 * control-plane image with the user's docker from what this flowctl carries:
 * the Dockerfile (controlplane/Dockerfile, embedded) and the control plane
 * bundled into one file (control-plane.js). The build context goes to
 * `docker build -` as a tar archive on its standard input, so nothing is
 * written to disk and nothing else is sent to the engine.
 */
import { CONTROL_PLANE_DEFAULTS } from "../compiler/format.ts";
import { CONTROL_PLANE_DOCKERFILE } from "./control_plane_dockerfile.ts";
import { EXIT, InputError, UsageError } from "./errors.ts";
import { parseFlags } from "./flags.ts";
import type { ExecResult, Io } from "./io.ts";
import { tarArchive } from "./tar.ts";

/** The program the Dockerfile copies, as flowctl carries it. */
export const CONTROL_PLANE_PROGRAM = "control-plane.js";

export const IMAGE_HELP = `Usage: flowctl controlplane image build [--tag IMAGE] [--push]

Builds the control-plane image with docker, from the Dockerfile and the
bundled control plane this flowctl carries. It needs the base image the
Dockerfile names (${baseImage()}) and nothing else.

Options:
  -t, --tag IMAGE   the image's name (default: ${CONTROL_PLANE_DEFAULTS.image}, the one
                    generated files name unless spec.controlPlane.image says otherwise)
  --push            then docker push it (give a --tag in your registry)
  -h, --help        show this help
`;

export async function runImageCommand(args: string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  if (command === "--help" || command === "-h") {
    io.stdout(IMAGE_HELP);
    return EXIT.ok;
  }
  if (command !== "build") {
    throw new UsageError(command === undefined ? "controlplane image needs a command: build" : `unknown image command ${JSON.stringify(command)}: build`);
  }
  const flags = parseFlags(rest, { "--tag": "tag", "-t": "tag" }, { "--push": "push" });
  if (flags.help) {
    io.stdout(IMAGE_HELP);
    return EXIT.ok;
  }
  if (flags.positional.length) throw new UsageError(`image build takes no arguments, not ${JSON.stringify(flags.positional[0])}`);
  const tag = flags.values.tag ?? CONTROL_PLANE_DEFAULTS.image;
  const size = await buildControlPlaneImage(io, tag);
  io.stdout(`built ${tag} (${(size / 1e6).toFixed(1)} MB)\n`);
  if (flags.values.push === "true") {
    io.stderr(`pushing ${tag}\n`);
    await docker(io, ["push", tag], "push");
    io.stdout(`pushed ${tag}\n`);
  }
  return EXIT.ok;
}

/**
 * Builds the image under `tag` and returns its size in bytes. Failures
 * (no docker, no engine, a failed build) are InputErrors that carry docker's
 * own words.
 */
export async function buildControlPlaneImage(io: Io, tag: string): Promise<number> {
  await engineVersion(io);
  let program: Uint8Array;
  try {
    program = await io.readOwnFile(CONTROL_PLANE_PROGRAM);
  } catch (err) {
    throw new InputError(
      `this flowctl carries no ${CONTROL_PLANE_PROGRAM} to build the image from ` +
        `(${err instanceof Error ? err.message : String(err)}); in a checkout, run deno task bundle`,
    );
  }
  const context = buildContext(program);
  io.stderr(`building ${tag} from ${baseImage()} with docker\n`);
  await docker(io, ["build", "--tag", tag, "-"], "build", context);
  const inspected = await docker(io, ["image", "inspect", "--format", "{{.Size}}", tag], "image inspect");
  return Number(inspected.stdout.trim());
}

/** Whether docker has an image of that name (`apply` builds the control plane's when it is missing). */
export async function hasImage(io: Io, tag: string): Promise<boolean> {
  await engineVersion(io);
  return (await io.exec(["docker", "image", "inspect", "--format", "{{.Id}}", tag])).code === 0;
}

/** What `docker build -` reads: the Dockerfile, the program and the store's empty folder. */
export function buildContext(program: Uint8Array): Uint8Array {
  return tarArchive([
    { name: "Dockerfile", bytes: new TextEncoder().encode(CONTROL_PLANE_DOCKERFILE) },
    { name: CONTROL_PLANE_PROGRAM, bytes: program },
    { name: "data/", mode: 0o700 },
  ]);
}

/** The image the Dockerfile builds from. */
export function baseImage(): string {
  return /^FROM\s+(\S+)/m.exec(CONTROL_PLANE_DOCKERFILE)![1];
}

/** The engine's version; fails clearly when docker is missing or cannot reach an engine. */
async function engineVersion(io: Io): Promise<string> {
  const result = await io.exec(["docker", "version", "--format", "{{.Server.Version}}"]);
  if (result.notStarted) {
    throw new InputError(`cannot run docker (${result.notStarted}): the control-plane image is built with Docker; install it or put it on PATH`);
  }
  if (result.code !== 0) throw new InputError(`docker cannot reach a Docker engine:\n${output(result)}`);
  return result.stdout.trim();
}

/** Runs `docker ARGS`; a failure is an InputError with docker's output (unless it was shown as it came). */
async function docker(io: Io, args: string[], what: string, stdin?: Uint8Array): Promise<ExecResult> {
  const echo = io.isTerminal && (what === "build" || what === "push");
  const result = await io.exec(["docker", ...args], { stdin, echo });
  if (result.notStarted) throw new InputError(`cannot run docker: ${result.notStarted}`);
  if (result.code !== 0) {
    throw new InputError(`docker ${what} failed (exit ${result.code})${echo ? "; its output is above" : `:\n${output(result)}`}`);
  }
  return result;
}

function output(result: ExecResult): string {
  return [result.stdout.trim(), result.stderr.trim()].filter(Boolean).join("\n");
}
