/**
 * `flowctl apply`, `status` and `delete` with the docker-compose target under
 * a real Docker engine and Compose v2 (a private dockerd,
 * tests/support/docker_engine.ts). A fan-in pipeline of four components, the
 * end-to-end fixture's programs (fixtures/e2e) in an image: apply builds the
 * missing control-plane image, starts everything in order and returns once it
 * runs; the components find their upstreams through FLOWCTL_INPUT_*, register
 * with the control plane, and data reaches the sink; status shows them;
 * delete --volumes leaves nothing. Skipped, saying why, only where no engine
 * can start.
 */
import assert from "node:assert/strict";
import { baseImage } from "../../cli/image.ts";
import { ARGS, buildComponentImage, PIPELINE, TRICKY } from "../support/compose_e2e.ts";
import { engineUnavailable, importDenoBase, startEngine } from "../support/docker_engine.ts";
import { exec, ROOT, until } from "../support/helpers.ts";

const unavailable = engineUnavailable();
// deno-lint-ignore no-console
if (unavailable) console.error(`apply_compose_test: the tests under a Docker engine are skipped: ${unavailable}`);

interface Services {
  services: { service_id: string; status: string }[];
}

Deno.test({
  name: "apply, status, delete: a fan-in pipeline under Compose v2 and a real Docker engine",
  ignore: unavailable !== undefined,
  async fn(t) {
    const engine = await startEngine();
    const dir = await Deno.makeTempDir({ prefix: "flowctl-apply-" });
    const flowctl = (args: string[]) => exec(new URL("scripts/flowctl", ROOT).pathname, args, { cwd: dir, env: engine.env });
    const container = (service: string) => `fan-in-e2e-${service}-1`;
    const inspect = async (service: string, format: string) => (await engine.must(["inspect", "-f", format, container(service)])).stdout.trim();
    const sinkRecords = async () =>
      (await Deno.readTextFile(`${dir}/out/sink/collector.jsonl`).catch(() => "")).split("\n").filter(Boolean).map((l) => JSON.parse(l));
    let problems: string[];
    try {
      await importDenoBase(engine, baseImage());
      await buildComponentImage(engine, dir);
      await Deno.writeTextFile(`${dir}/pipeline.yaml`, PIPELINE);
      for (const out of ["out/a", "out/sink"]) await Deno.mkdir(`${dir}/${out}`, { recursive: true });

      await t.step("apply builds the missing control-plane image, starts in dependency order and returns once all runs", async () => {
        const applied = await flowctl(["apply", "-f", "pipeline.yaml", "--timeout", "180"]);
        assert.equal(applied.code, 0, applied.stderr);
        assert.match(applied.stderr, /the engine has no flowctl\/control-plane:0\.1\.0; building it/);
        // This engine (20.10, API 1.41) predates start_interval: apply said so and left it out.
        assert.match(applied.stderr, /--start-interval 0s/);
        const file = await Deno.readTextFile(`${dir}/.flowctl/docker-compose/fan-in-e2e/docker-compose.yaml`);
        assert.doesNotMatch(file, /start_interval/);
        assert.match(applied.stderr, /fan-in-e2e runs \(docker-compose; files in \.flowctl\/docker-compose\/fan-in-e2e\)\n {2}control plane: http:\/\/127\.0\.0\.1:\d+\/api\/services\n/);
        // Every component runs; each gate ran once, to success, before what waits for it started.
        for (const service of ["numbers-a", "numbers-b", "times-ten", "collector"]) assert.equal(await inspect(service, "{{.State.Status}}"), "running", service);
        assert.equal(await inspect("flowctl-control-plane", "{{.State.Health.Status}}"), "healthy");
        for (const [gate, after] of [["numbers-a-ready", "times-ten"], ["times-ten-ready", "collector"], ["numbers-b-ready", "collector"]]) {
          assert.equal(await inspect(gate, "{{.State.ExitCode}}"), "0", gate);
          assert(await inspect(after, "{{.State.StartedAt}}") >= await inspect(gate, "{{.State.FinishedAt}}"), `${after} started after ${gate} finished`);
        }
      });

      await t.step("data reaches the sink from both inputs, found through FLOWCTL_INPUT_*", async () => {
        await until("every record at the sink", async () => (await sinkRecords()).length >= 70, 60);
        const records = await sinkRecords();
        const from = (id: string) => records.filter((r) => r.from === id);
        assert.deepEqual(from("times-ten").map((r) => [r.seq, r.value]), Array.from({ length: 40 }, (_, i) => [i + 1, (i + 1) * 10]));
        assert.deepEqual(from("times-ten")[0].by, ["source", "processor"]);
        assert.deepEqual(from("numbers-b").map((r) => r.seq), Array.from({ length: 30 }, (_, i) => i + 1));
        assert.equal(records.length, 70);
      });

      await t.step("args and env reach the container byte for byte", async () => {
        const echo = JSON.parse(await Deno.readTextFile(`${dir}/out/a/echo.json`));
        assert.deepEqual(echo, { args: ARGS, tricky: TRICKY });
      });

      await t.step("status: compose's view, and the four components registered and healthy", async () => {
        let body: { engine: { stdout: string; code: number }[]; controlPlane: Services & { source: string } } | undefined;
        await until("every component registered and healthy", async () => {
          const status = await flowctl(["status", "-f", "pipeline.yaml", "--format", "json"]);
          assert.equal(status.code, 0, status.stderr);
          body = JSON.parse(status.stdout);
          return body!.controlPlane.services?.filter((s) => s.status === "HEALTHY").length === 4;
        }, 60);
        assert.deepEqual(body!.controlPlane.services.map((s) => s.service_id).sort(), ["collector", "numbers-a", "numbers-b", "times-ten"]);
        assert.match(body!.controlPlane.source, /^http:\/\/127\.0\.0\.1:\d+\/api\/services$/);
        assert.match(body!.engine[0].stdout, /fan-in-e2e-collector-1 .* Up /);
        const text = await flowctl(["status", "-f", "pipeline.yaml"]);
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /Control plane \(http:\/\/127\.0\.0\.1:\d+\/api\/services\): pipeline healthy, 4 registered services\n {2}SERVICE +TYPE +STATUS +LAST HEARTBEAT\n/);
        assert.match(text.stdout, /\n {2}times-ten +processor +HEALTHY +\d{4}-/);
      });

      await t.step("apply again: nothing changed, nothing is recreated", async () => {
        const before = await inspect("collector", "{{.Id}}");
        const again = await flowctl(["apply", "-f", "pipeline.yaml"]);
        assert.equal(again.code, 0, again.stderr);
        assert.equal(await inspect("collector", "{{.Id}}"), before);
      });

      await t.step("delete --volumes: no container, network, volume or file of the pipeline is left", async () => {
        const deleted = await flowctl(["delete", "-f", "pipeline.yaml", "--volumes"]);
        assert.equal(deleted.code, 0, deleted.stderr);
        assert.match(deleted.stderr, /fan-in-e2e removed \(docker-compose\)\n$/);
        const left = async (kind: string) =>
          (await engine.must([kind, "ls", ...(kind === "container" ? ["--all"] : []), "--quiet", "--filter", "label=com.docker.compose.project=fan-in-e2e"])).stdout.trim();
        assert.deepEqual([await left("container"), await left("network"), await left("volume")], ["", "", ""]);
        assert.deepEqual([...Deno.readDirSync(`${dir}/.flowctl/docker-compose/fan-in-e2e`)], []);
        // What the pipeline wrote through its bind mounts is the user's and stays.
        assert.equal((await sinkRecords()).length, 70);
      });
    } finally {
      problems = await engine.stop();
      await exec("rm", ["-rf", dir]);
    }
    assert.deepEqual(problems, [], "the engine left nothing behind");
  },
});
