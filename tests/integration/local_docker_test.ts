/**
 * The local target's image path under a real Docker engine (a private one,
 * tests/support/docker_engine.ts): run.sh runs a control plane of its own
 * image and an image component with `docker run --network host`, hands the
 * component its argv, env and a bind mount, waits for its health endpoint
 * before starting what reads from it, and on SIGTERM stops and removes every
 * container. (local_test.ts checks the same argv against a stand-in docker,
 * everywhere.) Skipped, saying why, only where no engine can start.
 */
import assert from "node:assert/strict";
import { baseImage } from "../../cli/image.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { compile } from "../../translate/compile.ts";
import { client } from "../support/controlplane_client.ts";
import { engineUnavailable, importBusybox, importDenoBase, startEngine } from "../support/docker_engine.ts";
import { cue, exec, processesWithEnv, ROOT, until } from "../support/helpers.ts";

const unavailable = engineUnavailable();
// deno-lint-ignore no-console
if (unavailable) console.error(`local_docker_test: the local target under a Docker engine is skipped: ${unavailable}`);

const CONTROL_PLANE = "flowctl/control-plane:local-test";
const COMPONENT = "flowctl-test/component:1";

/** A component with no wget or curl: it writes what it was given to /out and serves /health with busybox httpd. */
const COMPONENT_SCRIPT = `#!/bin/sh
printf '%s\\0' "$@" > /out/argv
printf '%s' "$GREETING" > /out/greeting
printf '%s' "$FLOWCTL_ENDPOINT" > /out/endpoint
mkdir -p /tmp/www && echo ok > /tmp/www/health
exec httpd -f -p "$HEALTH_PORT" -h /tmp/www
`;

function freePorts(n: number): number[] {
  const listeners = Array.from({ length: n }, () => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  listeners.forEach((l) => l.close());
  return ports;
}

Deno.test({
  name: "local: run.sh runs image components and a control plane of its own image under a real Docker engine",
  ignore: unavailable !== undefined,
  async fn() {
    const engine = await startEngine();
    const dir = await Deno.makeTempDir({ prefix: "flowctl-local-docker-" });
    let problems: string[];
    try {
      await importDenoBase(engine, baseImage());
      await importBusybox(engine, "flowctl-test/busybox:1");
      const built = await exec(new URL("scripts/flowctl", ROOT).pathname, ["controlplane", "image", "build", "--tag", CONTROL_PLANE], {
        env: engine.env,
      });
      assert.equal(built.code, 0, built.stderr);
      await Deno.mkdir(`${dir}/component`);
      await Deno.writeTextFile(`${dir}/component/component`, COMPONENT_SCRIPT, { mode: 0o755 });
      await Deno.writeTextFile(`${dir}/component/Dockerfile`, "FROM flowctl-test/busybox:1\nCOPY component /bin/component\n");
      await engine.must(["build", "-q", "-t", COMPONENT, `${dir}/component`]);

      const [grpcPort, httpPort, healthPort, servePort] = freePorts(4);
      const pipeline = `apiVersion: flowctl/v1
kind: Pipeline
metadata: {name: local-docker}
spec:
  controlPlane:
    image: ${CONTROL_PLANE}
    port: ${grpcPort}
    command: [controlplane, --address, 127.0.0.1, --port, "${grpcPort}", --http-port, "${httpPort}", --db, /var/lib/flowctl/registry.db]
  sources:
    - id: src
      image: ${COMPONENT}
      command: [/bin/component]
      args: ["a b", "it's $HOME", ""]
      env: {HEALTH_PORT: "${healthPort}", GREETING: "hi 'there' $USER"}
      ports: [{containerPort: ${servePort}}]
      health_check: /health
      volumes:
        - {name: out, mountPath: /out, host_path: ./out}
  sinks:
    - id: sink
      command: [bash, -c, 'printf %s "$FLOWCTL_INPUT_SRC" > "$OUT_DIR/sink-saw"; exec sleep 600']
      inputs: [src]
`;
      const result = compile(pipeline, { filename: "local-docker.yaml", cue: await cue(), target: "local", registry: defaultRegistry() });
      assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
      await Deno.writeTextFile(`${dir}/run.sh`, result.files[0].content, { mode: 0o755 });
      await Deno.mkdir(`${dir}/out`);

      const run = new Deno.Command(`${dir}/run.sh`, {
        env: { ...engine.env, OUT_DIR: dir },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const output = run.output();
      // The sink starts only once the image component's health endpoint answered.
      await until("the sink to start", () => Deno.stat(`${dir}/sink-saw`).then(() => true, () => false), 60).catch(async (err) => {
        try {
          run.kill("SIGTERM");
        } catch { /* it had stopped */ }
        const out = await output;
        throw new Error(`${err.message}; run.sh said:\n${new TextDecoder().decode(out.stdout)}${new TextDecoder().decode(out.stderr)}`);
      });
      assert.equal(await Deno.readTextFile(`${dir}/sink-saw`), `127.0.0.1:${servePort}`);
      assert.equal((await exec("curl", ["-s", `http://127.0.0.1:${healthPort}/health`])).stdout, "ok\n");

      // What the container was handed: argv (past --entrypoint), env and the bind mount.
      assert.deepEqual((await Deno.readTextFile(`${dir}/out/argv`)).split("\0").slice(0, -1), ["a b", "it's $HOME", ""]);
      assert.equal(await Deno.readTextFile(`${dir}/out/greeting`), "hi 'there' $USER");
      assert.equal(await Deno.readTextFile(`${dir}/out/endpoint`), `127.0.0.1:${grpcPort}`);

      // The control plane is the image's, on the host's network, where the component was told it is.
      const c = client("v1", grpcPort);
      assert.equal((await c.call("RegisterComponent", { component: { id: "src", name: "src" } })).service_id, "src");
      c.close();
      assert.match((await exec("curl", ["-s", `http://127.0.0.1:${httpPort}/health`])).stdout, /"components":1/);
      const running = (await engine.must(["ps", "--format", "{{.Names}} {{.Image}}"])).stdout.trim().split("\n").sort();
      assert.deepEqual(running, [`flowctl-local-docker-flowctl-control-plane ${CONTROL_PLANE}`, `flowctl-local-docker-src ${COMPONENT}`]);

      run.kill("SIGTERM");
      const out = await output;
      assert.equal(out.code, 143, new TextDecoder().decode(out.stderr));
      assert.deepEqual((await engine.must(["ps", "-aq"])).stdout, "", "every container stopped and removed");
      assert.deepEqual(await processesWithEnv(`OUT_DIR=${dir}`), []);
    } finally {
      problems = await engine.stop();
      await Deno.remove(dir, { recursive: true });
    }
    assert.deepEqual(problems, [], "the engine left nothing behind");
  },
});
