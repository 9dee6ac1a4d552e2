/**
 * Mutual TLS under a real Docker engine and Compose v2: the fan-in pipeline
 * of apply_compose_test.ts with `spec.controlPlane.tls`, its files made by
 * `flowctl tls certs`. The control plane (flowctl's image) reads them from
 * compose secrets, its health check follows it to HTTPS, every component
 * registers with its own certificate, and `flowctl status` reads the list as
 * the operator. Skipped, saying why, only where no engine can start.
 */
import assert from "node:assert/strict";
import { baseImage } from "../../cli/image.ts";
import { buildComponentImage, PIPELINE } from "../support/compose_e2e.ts";
import { engineUnavailable, importDenoBase, startEngine } from "../support/docker_engine.ts";
import { exec, ROOT, until } from "../support/helpers.ts";

const unavailable = engineUnavailable();
// deno-lint-ignore no-console
if (unavailable) console.error(`apply_compose_tls_test: the tests under a Docker engine are skipped: ${unavailable}`);

/** The user flowctl's control-plane image runs as (distroless "nonroot"). */
const IMAGE_USER = "65532";

Deno.test({
  name: "apply with mutual TLS: compose secrets, HTTPS health check, components registered by certificate",
  ignore: unavailable !== undefined,
  async fn() {
    const engine = await startEngine();
    const dir = await Deno.makeTempDir({ prefix: "flowctl-apply-tls-" });
    const flowctl = (args: string[]) => exec(new URL("scripts/flowctl", ROOT).pathname, args, { cwd: dir, env: engine.env });
    let problems: string[];
    try {
      await importDenoBase(engine, baseImage());
      await buildComponentImage(engine, dir);
      const pipeline = JSON.parse(PIPELINE);
      pipeline.metadata.name = "tls-e2e";
      pipeline.spec.controlPlane.tls = {};
      await Deno.writeTextFile(`${dir}/pipeline.yaml`, JSON.stringify(pipeline, null, 2));
      for (const out of ["out/a", "out/sink"]) await Deno.mkdir(`${dir}/${out}`, { recursive: true });

      const made = await flowctl(["tls", "certs", "-f", "pipeline.yaml"]);
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /^\.\/tls: a new CA; 6 certificates issued/m);
      // Compose binds secret files as they are: the image's user must own its key (the README says so).
      await exec("chown", [IMAGE_USER, `${dir}/tls/control-plane-key.pem`]);

      const applied = await flowctl(["apply", "-f", "pipeline.yaml", "--timeout", "180"]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stderr, /control plane: https:\/\/127\.0\.0\.1:\d+\/api\/services\n/);
      const file = await Deno.readTextFile(`${dir}/.flowctl/docker-compose/tls-e2e/docker-compose.yaml`);
      assert.doesNotMatch(file, /PRIVATE KEY/, "no key in the generated file");
      const cp = "tls-e2e-flowctl-control-plane-1";
      assert.equal((await engine.must(["inspect", "-f", "{{.State.Health.Status}}", cp])).stdout.trim(), "healthy");
      assert.match((await engine.must(["logs", cp])).stderr, /mutual TLS on both ports/);

      let body: { controlPlane: { source?: string; error?: string; services?: { service_id: string; status: string }[] } } | undefined;
      await until("every component registered and healthy, as status sees it", async () => {
        const status = await flowctl(["status", "-f", "pipeline.yaml", "--format", "json"]);
        body = JSON.parse(status.stdout);
        return body!.controlPlane.services?.filter((s) => s.status === "HEALTHY").length === 4;
      }, 90);
      assert.match(body!.controlPlane.source!, /^https:\/\/127\.0\.0\.1:\d+\/api\/services$/);
      assert.deepEqual(body!.controlPlane.services!.map((s) => s.service_id).sort(), ["collector", "numbers-a", "numbers-b", "times-ten"]);
      await until("records at the sink", async () => (await Deno.readTextFile(`${dir}/out/sink/collector.jsonl`).catch(() => "")).length > 0, 60);

      // Without the operator's certificate the list is refused (the CA alone proves nothing).
      const port = /127\.0\.0\.1:(\d+)/.exec(body!.controlPlane.source!)![1];
      const anonymous = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(`${dir}/tls/ca.pem`)] });
      try {
        assert.equal((await fetch(`https://127.0.0.1:${port}/api/services`, { client: anonymous }).then((r) => r.body?.cancel().then(() => r.status))), 403);
      } finally {
        anonymous.close();
      }

      const deleted = await flowctl(["delete", "-f", "pipeline.yaml", "--volumes"]);
      assert.equal(deleted.code, 0, deleted.stderr);
    } finally {
      problems = await engine.stop();
      await exec("rm", ["-rf", dir]);
    }
    assert.deepEqual(problems, [], "the engine left nothing behind");
  },
});
