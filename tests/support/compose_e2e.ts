/**
 * The end-to-end pipeline under Docker Compose (tests/integration/apply_compose_test.ts,
 * and the deploy bench): a fan-in of four components, the fixture programs
 * of fixtures/e2e bundled for Deno into one image on the Deno base, so that
 * building it downloads nothing.
 */
import assert from "node:assert/strict";
import { baseImage } from "../../cli/image.ts";
import type { Engine } from "./docker_engine.ts";
import { exec, ROOT } from "./helpers.ts";

export const COMPONENT = "flowctl-e2e/component:1";
export const TRICKY = "$(touch /tmp/x) 'single' \"double\" `id` ; | & \\ \n end $$ ${HOME}";
export const ARGS = ["it's \"quoted\" $HOME `date` ; echo injected", "two\nlines", ""];

function component(id: string, program: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    image: COMPONENT,
    command: ["/bin/deno", "run", "--allow-all", `/app/fixtures/e2e/${program}.js`],
    health_check: "/health",
    health_port: 9000,
    ports: [{ containerPort: 9000 }],
    ...extra,
    env: { PORT: "9000", LISTEN_HOST: "0.0.0.0", OUT_DIR: "/tmp", ...(extra.env as Record<string, string>) },
  };
}

/** Two sources, one through a processor, meet at one sink. JSON is YAML: the file is written as JSON. */
export const PIPELINE = JSON.stringify({
  apiVersion: "flowctl/v1",
  kind: "Pipeline",
  metadata: { name: "fan-in-e2e" },
  spec: {
    controlPlane: { heartbeatInterval: "1s", heartbeatTTL: "10s" },
    sources: [
      component("numbers-a", "source", {
        args: ARGS,
        env: { COUNT: "40", INTERVAL_MS: "20", OUT_DIR: "/out", TRICKY },
        volumes: [{ name: "out-a", mountPath: "/out", host_path: "./out/a" }],
      }),
      component("numbers-b", "source", { env: { COUNT: "30", INTERVAL_MS: "20" } }),
    ],
    processors: [component("times-ten", "processor", { inputs: ["numbers-a"], env: { FACTOR: "10" } })],
    sinks: [
      component("collector", "sink", {
        inputs: ["times-ten", "numbers-b"],
        env: { OUT_DIR: "/out" },
        volumes: [{ name: "out-sink", mountPath: "/out", host_path: "./out/sink" }],
      }),
    ],
  },
}, null, 2);

/** The fixture's programs bundled for Deno, with the .proto files they load, on the Deno base. */
export async function buildComponentImage(engine: Engine, dir: string): Promise<void> {
  const app = `${dir}/image/app`;
  await Deno.mkdir(`${app}/fixtures/e2e`, { recursive: true });
  for (const program of ["source", "processor", "sink"]) {
    const bundled = await exec(Deno.execPath(), ["bundle", "--quiet", "--frozen", "--platform=deno", `fixtures/e2e/${program}.ts`]);
    assert.equal(bundled.code, 0, bundled.stderr);
    await Deno.writeTextFile(`${app}/fixtures/e2e/${program}.js`, bundled.stdout);
  }
  await Deno.mkdir(`${app}/controlplane`);
  const copied = await exec("cp", ["-r", new URL("controlplane/proto", ROOT).pathname, `${app}/controlplane/proto`]);
  assert.equal(copied.code, 0, copied.stderr);
  await Deno.writeTextFile(`${dir}/image/Dockerfile`, `FROM ${baseImage()}\nCOPY app /app\n`);
  await engine.must(["build", "-q", "--network", "host", "-t", COMPONENT, `${dir}/image`]);
}

