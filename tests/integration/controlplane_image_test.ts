/**
 * What can be checked of the control-plane image without building it (there
 * is no base image here): the Dockerfile copies files that exist and starts
 * the launcher, and the command every generator emits for the control plane
 * is one `flowctl controlplane` accepts and starts with.
 */
import assert from "node:assert/strict";
import { type Io, main } from "../../cli.ts";
import { CONTROL_PLANE_DEFAULTS } from "../../compiler/format.ts";
import type { ControlPlaneIR } from "../../compiler/ir.ts";
import { controlPlaneCommand } from "../../generators/shared/control_plane.ts";
import { ROOT } from "../support/helpers.ts";

Deno.test("control-plane image: the Dockerfile runs the bundled program, and its command agrees with the generators'", async () => {
  const dockerfile = await Deno.readTextFile(new URL("controlplane/Dockerfile", ROOT));
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]);
  assert.deepEqual([entrypoint[0], entrypoint[1], entrypoint.at(-1)], ["/bin/deno", "run", "/app/control-plane.js"]);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]);
  assert.deepEqual(cmd.slice(0, 1), ["controlplane"]);
  // The image's own default and the generators' command agree on the store's place.
  assert(cmd.includes("/var/lib/flowctl/registry.db"));
  assert(controlPlaneCommand({ ...CONTROL_PLANE_DEFAULTS, enabled: true } as ControlPlaneIR).includes("/var/lib/flowctl/registry.db"));
});

Deno.test("control-plane image: `flowctl controlplane` starts with the generators' arguments", async () => {
  const dir = await Deno.makeTempDir();
  const cp = { ...CONTROL_PLANE_DEFAULTS, enabled: true } as ControlPlaneIR;
  // The generated command, with the store moved to a temp dir and free ports (later flags win).
  const args = [...controlPlaneCommand(cp, dir), "--port", "0", "--http-port", "0", "--address", "127.0.0.1"];
  let stderr = "";
  const io = {
    env: () => undefined,
    stderr: (t: string) => void (stderr += t),
    makeParentDir: () => Promise.resolve(),
    untilStopped: () => Promise.resolve("SIGTERM"),
  } as unknown as Io;
  assert.equal(await main(args, io), 0, stderr);
  assert.match(stderr, /gRPC on 127\.0\.0\.1:\d+, HTTP on 127\.0\.0\.1:\d+, store .*\/registry\.db/);
  await Deno.stat(`${dir}/registry.db`);
  await Deno.remove(dir, { recursive: true });
});
