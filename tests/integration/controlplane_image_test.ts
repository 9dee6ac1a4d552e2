/**
 * The control-plane image: its program (dist/control-plane.js) runs with the
 * image's permissions and nothing to download; the command every generator
 * emits starts it; and, under a Docker engine of the tests' own
 * (tests/support/docker_engine.ts), `flowctl controlplane image build` builds
 * it, and it serves, turns healthy, registers components, keeps its registry
 * in its volume, and gates other services with `wait`, under Compose v2 too.
 * The engine part is skipped, saying why, only where no engine can start.
 */
import assert from "node:assert/strict";
import { type Io, main } from "../../cli/mod.ts";
import { baseImage } from "../../cli/image.ts";
import { CONTROL_PLANE_DEFAULTS } from "../../compiler/format.ts";
import type { ControlPlaneIR } from "../../compiler/ir.ts";
import { controlPlaneCommand } from "../../generators/shared/control_plane.ts";
import { client } from "../support/controlplane_client.ts";
import { type Engine, engineUnavailable, importBusybox, importDenoBase, startEngine } from "../support/docker_engine.ts";
import { exec, ROOT, until } from "../support/helpers.ts";

const IMAGE = CONTROL_PLANE_DEFAULTS.image;
const BUSYBOX = "flowctl-test/busybox:1";
const dockerfile = await Deno.readTextFile(new URL("controlplane/Dockerfile", ROOT));
const entrypoint: string[] = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]);

const unavailable = engineUnavailable();
// deno-lint-ignore no-console
if (unavailable) console.error(`controlplane_image_test: the tests under a Docker engine are skipped: ${unavailable}`);

Deno.test("control-plane image: the Dockerfile runs the bundled program, and its command agrees with the generators'", () => {
  assert.deepEqual([entrypoint[0], entrypoint[1], entrypoint.at(-1)], ["/bin/deno", "run", "/app/control-plane.js"]);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]);
  assert.deepEqual(cmd.slice(0, 1), ["controlplane"]);
  // The image's own default and the generators' command agree on the store's place.
  assert(cmd.includes("/var/lib/flowctl/registry.db"));
  assert(controlPlaneCommand({ ...CONTROL_PLANE_DEFAULTS, enabled: true } as ControlPlaneIR).includes("/var/lib/flowctl/registry.db"));
});

Deno.test("control-plane image: its program runs with the image's permissions, an empty DENO_DIR and nothing to fetch", async () => {
  const program = new URL("dist/control-plane.js", ROOT).pathname;
  const text = await Deno.readTextFile(program);
  assert.doesNotMatch(text, /(from\s*|import\s*\(\s*)["'](npm|jsr|https?):/, "every import is inside the bundle or built into Deno");
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/deno-dir`);
  // The ENTRYPOINT's flags, with the image's folders moved here: they must be enough.
  const flags = entrypoint.slice(2, -1).map((f) =>
    f.replaceAll("/app", new URL("dist", ROOT).pathname).replaceAll("/var/lib/flowctl", dir)
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [...flags, program, "controlplane", "--address", "127.0.0.1", "--port", "0", "--http-port", "0", "--db", `${dir}/registry.db`],
    env: { DENO_DIR: `${dir}/deno-dir`, NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text2 = "";
  try {
    while (!/HTTP on [\d.]+:\d+/.test(text2)) {
      const { value, done } = await log.read();
      if (done) throw new Error(`it stopped: ${text2}`);
      text2 += value;
    }
    const grpcPort = Number(/gRPC on [\d.]+:(\d+)/.exec(text2)![1]);
    const httpPort = Number(/HTTP on [\d.]+:(\d+)/.exec(text2)![1]);
    const c = client("v1", grpcPort);
    assert.equal((await c.call("RegisterComponent", { component: { id: "src", name: "s" } })).service_id, "src");
    c.close();
    // The store's writer is the bundle too: the registration is on disk.
    assert((await Deno.stat(`${dir}/registry.db`)).size > 0);
    const health = await exec(Deno.execPath(), [...flags, program, "health", `http://127.0.0.1:${httpPort}/health`], {
      env: { DENO_DIR: `${dir}/deno-dir` },
    });
    assert.deepEqual([health.code, health.stdout], [0, `http://127.0.0.1:${httpPort}/health answered 200\n`], health.stderr);
    // Nothing was fetched into the empty DENO_DIR (Deno makes an empty npm/ folder; its caches of analyses are not downloads).
    const fetched = [...Deno.readDirSync(`${dir}/deno-dir`)].filter((e) => /^(npm|remote|deps)$/.test(e.name))
      .flatMap((e) => [...Deno.readDirSync(`${dir}/deno-dir/${e.name}`)].map((inside) => `${e.name}/${inside.name}`));
    assert.deepEqual(fetched, []);
  } finally {
    child.kill("SIGTERM");
    while (!(await log.read()).done);
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
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

/** The container's address on its (only) network. */
async function address(engine: Engine, container: string): Promise<string> {
  return (await engine.must(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container])).stdout.trim();
}

async function health(engine: Engine, container: string): Promise<string> {
  return (await engine.docker(["inspect", "-f", "{{.State.Health.Status}}", container])).stdout.trim();
}

Deno.test({
  name: "control-plane image: built and run under a real Docker engine",
  ignore: unavailable !== undefined,
  async fn(t) {
    const engine = await startEngine();
    let problems: string[];
    try {
      await importDenoBase(engine, baseImage());
      await importBusybox(engine, BUSYBOX);
      await engine.must(["network", "create", "flowctl-test"]);

      await t.step("flowctl controlplane image build builds it from the base image alone, at most 150 MB", async () => {
        const built = await exec(new URL("scripts/flowctl", ROOT).pathname, ["controlplane", "image", "build"], { env: engine.env });
        assert.equal(built.code, 0, built.stderr);
        const size = Number((await engine.must(["image", "inspect", "-f", "{{.Size}}", IMAGE])).stdout);
        assert.equal(built.stdout, `built ${IMAGE} (${(size / 1e6).toFixed(1)} MB)\n`);
        assert(size <= 150e6, `${size} bytes`);
        const base = Number((await engine.must(["image", "inspect", "-f", "{{.Size}}", baseImage()])).stdout);
        // deno-lint-ignore no-console
        console.log(`      image ${(size / 1e6).toFixed(1)} MB: the base ${(base / 1e6).toFixed(1)} MB + ${((size - base) / 1e6).toFixed(2)} MB`);
        // Only the two COPY layers were added to the base.
        const history = (await engine.must(["history", "--no-trunc", "--format", "{{.CreatedBy}}", IMAGE])).stdout;
        assert.doesNotMatch(history, /\/bin\/sh -c (?!#\(nop\))/, "no RUN step");
      });

      await t.step("it runs as nonroot, serves /health, and its HEALTHCHECK turns it healthy", async () => {
        // Timing only, as a compose file sets it: the test is the image's own.
        await engine.must([
          "run", "-d", "--name", "cp", "--network", "flowctl-test", "--health-interval", "1s", "-v", "registry:/var/lib/flowctl", IMAGE,
        ]);
        const ip = await address(engine, "cp");
        await until("/health", async () => (await exec("curl", ["-sf", `http://${ip}:8081/health`])).code === 0, 30);
        assert.match((await exec("curl", ["-s", `http://${ip}:8081/health`])).stdout, /^\{"status":"ok"/);
        await until("the container healthy", async () => (await health(engine, "cp")) === "healthy", 30);
        const top = (await engine.must(["top", "cp", "-o", "pid,uid,args"])).stdout.split("\n")[1];
        assert.match(top, /^\d+ +65532 +\/bin\/deno run .* \/app\/control-plane\.js controlplane --port 8080 --http-port 8081 --db \/var\/lib\/flowctl\/registry\.db$/);
      });

      await t.step("a component registers over gRPC, and the registry outlives the container (its volume)", async () => {
        const c = client("v1", 8080, await address(engine, "cp"));
        const reply = await c.call("RegisterComponent", { component: { id: "ledger-source", name: "ledger", type: "COMPONENT_TYPE_SOURCE" } });
        assert.equal(reply.service_id, "ledger-source");
        c.close();
        await engine.must(["rm", "-f", "cp"]);
        await engine.must(["run", "-d", "--name", "cp", "--network", "flowctl-test", "-v", "registry:/var/lib/flowctl", IMAGE]);
        const again = client("v1", 8080, await address(engine, "cp"));
        let listed: string[] = [];
        await until("the new container to answer", async () => {
          listed = await again.call("ListComponents", { include_unhealthy: true }).then(
            (r: { components: { component: { id: string } }[] }) => r.components.map((x) => x.component.id),
            () => [],
          );
          return listed.length > 0;
        }, 30);
        again.close();
        assert.deepEqual(listed, ["ledger-source"]);
      });

      await t.step("wait: exits 0 once every URL answers 2xx; 1, naming the URL and why, when the time is up", async () => {
        const ok = await engine.docker(["run", "--rm", "--network", "flowctl-test", IMAGE, "wait", "http://cp:8081/health", "--timeout", "30"]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /^http:\/\/cp:8081\/health answered 200 after \d+\.\d s\n$/);
        const started = Date.now();
        const late = await engine.docker([
          "run", "--rm", "--network", "flowctl-test", IMAGE, "wait", "http://cp:8081/health", "http://cp:9/nothing", "--timeout", "2", "--every", "100",
        ]);
        assert.equal(late.code, 1);
        assert.match(late.stderr, /^wait: no 2xx answer within 2 s from http:\/\/cp:9\/nothing \(.+\)\n$/);
        assert(Date.now() - started < 20_000);
        await engine.must(["rm", "-f", "cp"]);
      });

      await t.step("Compose v2: a one-shot wait gates a component with no wget; the control plane keeps the image's health test", async () => {
        const dir = `${engine.dir}/compose`;
        await Deno.mkdir(dir);
        const file = (gateUrl: string) => `name: gated
services:
  flowctl-control-plane:
    image: ${IMAGE}
    healthcheck: {interval: 1s, start_period: 30s}
    volumes: [registry:/var/lib/flowctl]
  ready:
    image: ${IMAGE}
    command: [wait, "${gateUrl}", --timeout, "20"]
    restart: "no"
  app:
    image: ${BUSYBOX}
    command: [sh, -c, "echo started; sleep 600"]
    depends_on:
      ready: {condition: service_completed_successfully}
volumes:
  registry: {}
`;
        await Deno.writeTextFile(`${dir}/docker-compose.yaml`, file("http://flowctl-control-plane:8081/health"));
        const up = await engine.docker(["compose", "up", "-d"], { cwd: dir });
        assert.equal(up.code, 0, up.stderr);
        const inspect = async (service: string, format: string) =>
          (await engine.must(["inspect", "-f", format, `gated-${service}-1`])).stdout.trim();
        assert.equal(await inspect("ready", "{{.State.ExitCode}}"), "0");
        // The component started after the gate finished.
        assert(await inspect("app", "{{.State.StartedAt}}") >= await inspect("ready", "{{.State.FinishedAt}}"));
        await until("the control plane healthy", async () => (await health(engine, "gated-flowctl-control-plane-1")) === "healthy", 30);
        const test = JSON.parse(await inspect("flowctl-control-plane", "{{json .Config.Healthcheck.Test}}"));
        assert.deepEqual(test.slice(-2), ["/app/control-plane.js", "health"], "the image's test, with compose's timing");
        assert.equal((await engine.must(["logs", "gated-app-1"])).stdout, "started\n");
        assert.equal((await engine.docker(["compose", "down", "-v"], { cwd: dir })).code, 0);

        // A gate that never opens: the component is never started, and compose says why.
        await Deno.writeTextFile(`${dir}/docker-compose.yaml`, file("http://flowctl-control-plane:8081/nothing-here").replace('"20"', '"2"'));
        const blocked = await engine.docker(["compose", "up", "-d"], { cwd: dir });
        assert.notEqual(blocked.code, 0);
        assert.match(blocked.stderr, /service "ready" didn't complete successfully: exit 1/);
        assert.match((await engine.must(["logs", "gated-ready-1"])).stderr, /wait: no 2xx answer within 2 s from .*nothing-here \(answered 404\)/);
        assert.equal(await inspect("app", "{{.State.StartedAt}}"), "0001-01-01T00:00:00Z", "never started");
        assert.equal((await engine.docker(["compose", "down", "-v"], { cwd: dir })).code, 0);
      });
    } finally {
      problems = await engine.stop();
    }
    assert.deepEqual(problems, [], "the engine left nothing behind");
  },
});
