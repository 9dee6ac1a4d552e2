/** normalize() (through validate()): defaults, the text users wrote, registry images, order, and where every field came from. */
import assert from "node:assert/strict";
import type { PipelineIR } from "../../compiler/ir.ts";
import { validate } from "../../translate/compile.ts";
import { cue } from "../support/helpers.ts";

async function ir(spec: string, header = "metadata: {name: p}\n"): Promise<PipelineIR> {
  const result = validate(`apiVersion: flowctl/v1\nkind: Pipeline\n${header}spec:\n${spec}`, { filename: "p.yaml", cue: await cue() });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  return result.pipelines[0];
}

Deno.test("normalize() orders components after their inputs and depends_on, ties in file order, and lists downstreams", async () => {
  const p = await ir(
    "  sinks:\n    - {id: out, image: i, inputs: [b, a]}\n  processors:\n    - {id: b, image: i, inputs: [a]}\n" +
      "  sources:\n    - {id: a, image: i}\n    - {id: z, image: i}\n  pipelines:\n    - {id: job, image: i, depends_on: [out]}\n",
  );
  assert.deepEqual(p.components.map((c) => c.id), ["a", "z", "b", "out", "job"]);
  assert.deepEqual(p.components.find((c) => c.id === "a")!.downstreams, ["b", "out"]);
  assert.deepEqual(p.components.find((c) => c.id === "out")!.inputs, ["b", "a"], "inputs keep their written order");
});

Deno.test("normalize() makes env from config and env, keeps the text of numbers, and gives each entry its line", async () => {
  const p = await ir(
    "  sources:\n    - id: s\n      image: i\n      config:\n        batch-size: 0x10\n        nested: {a: [1, 2]}\n        MODE: quiet\n" +
      "      env:\n        RATE: 1.50\n        FLOW_CONFIG_MODE: loud\n        ON: yes\n",
  );
  const env = p.components[0].env;
  assert.deepEqual(Object.keys(env), ["FLOW_CONFIG_BATCH_SIZE", "FLOW_CONFIG_MODE", "FLOW_CONFIG_NESTED", "ON", "RATE"]);
  assert.deepEqual(Object.fromEntries(Object.entries(env).map(([k, e]) => [k, e.value])), {
    FLOW_CONFIG_BATCH_SIZE: "0x10",
    FLOW_CONFIG_MODE: "loud",
    FLOW_CONFIG_NESTED: '{"a":[1,2]}',
    ON: "yes",
    RATE: "1.50",
  });
  assert.deepEqual([env.FLOW_CONFIG_BATCH_SIZE.origin.line, env.FLOW_CONFIG_MODE.origin.line, env.RATE.origin.line], [9, 14, 13]);
});

Deno.test("normalize() keeps command and args as written, a single args string as one argument", async () => {
  const p = await ir("  sources:\n    - id: s\n      command: [run, 1e3, true]\n      args: |\n        one two\n");
  assert.deepEqual(p.components[0].command, ["run", "1e3", "true"]);
  assert.deepEqual(p.components[0].args, ["one two\n"]);
});

Deno.test("normalize() resolves a registry type to its image, and says the image came from the type", async () => {
  const p = await ir("  sources:\n    - {id: a, type: ttp-processor@v1.2.0}\n    - {id: b, type: acme/tool@v2}\n    - {id: c, type: label, image: mine:1}\n");
  assert.deepEqual(p.components.map((c) => c.image), [
    "docker.io/withobsrvr/ttp-processor:v1.2.0",
    "docker.io/acme/tool:v2",
    "mine:1",
  ]);
  assert.equal(p.components[0].origins.image!.path, "spec.sources[0].type");
});

Deno.test("normalize() reads both volume forms and spellings, each volume and port with its own line", async () => {
  const p = await ir(
    "  sources:\n    - id: s\n      image: i\n      ports:\n        - containerPort: 50051\n        - {containerPort: 53, protocol: UDP}\n" +
      "      volumes:\n        - ./data:/data:ro\n        - cache:/cache\n        - {name: old, container_path: /old, host_path: /srv/old}\n",
  );
  const c = p.components[0];
  assert.deepEqual(c.volumes.map(({ origin, ...v }) => ({ ...v, line: origin.line })), [
    { name: "data", mountPath: "/data", hostPath: "./data", readonly: true, line: 12 },
    { name: "cache", mountPath: "/cache", readonly: false, line: 13 },
    { name: "old", mountPath: "/old", hostPath: "/srv/old", readonly: false, line: 14 },
  ]);
  assert.deepEqual(c.ports.map((port) => [port.containerPort, port.protocol, port.origin.line]), [[50051, "TCP", 9], [53, "UDP", 10]]);
  assert.deepEqual({ port: c.serving!.port, line: c.serving!.origin.line }, { port: 50051, line: 9 });
});

Deno.test("normalize() finds the serving and health ports in env, with where they were written, and applies the health timing", async () => {
  const p = await ir("  sources:\n    - id: s\n      image: i\n      health_check: /health\n      env:\n        GRPC_PORT: localhost:50052\n        HEALTH_PORT: '8088'\n");
  const c = p.components[0];
  assert.deepEqual({ port: c.serving!.port, line: c.serving!.origin.line }, { port: 50052, line: 10 });
  const { portOrigin, ...health } = c.health!;
  assert.deepEqual(health, { path: "/health", port: 8088, intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 10 });
  assert.equal(portOrigin.line, 11);
});

Deno.test("normalize() records origins only for what the user wrote, under the IR's own field names", async () => {
  const p = await ir(
    "  pipelines:\n    - id: job\n      image: i\n      restart_policy: 'no'\n      input_event_types: [a]\n      inputEventTypes: [b, a]\n",
    "metadata:\n  name: p\n  description: about p\n",
  );
  const c = p.components[0];
  assert.deepEqual(Object.keys(c.origins).sort(), ["id", "image", "inputEventTypes", "restartPolicy"]);
  assert.equal(c.origins.restartPolicy!.path, "spec.pipelines[0].restart_policy");
  assert.deepEqual(c.inputEventTypes, ["b", "a"], "both spellings, each type once");
  assert.deepEqual(Object.keys(p.origins).sort(), ["description", "name"]);
  assert.equal(p.description, "about p");
});

Deno.test("normalize() fills the control plane's defaults, and records only what was written", async () => {
  const plain = await ir("  sources: [{id: s, image: i}]\n");
  const { origin: _o, origins, ...cp } = plain.controlPlane;
  assert.deepEqual(cp, {
    enabled: true,
    image: "flowctl/control-plane:0.1.0",
    port: 8080,
    heartbeatInterval: "10s",
    heartbeatTTL: "30s",
    storage: "flowctl-control-plane-data",
    probe: { intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 10 },
  });
  assert.deepEqual(origins, {});
  const go = await ir("  controlPlane:\n    image: ghcr.io/withobsrvr/flowctl:latest\n    command: [server, --port, 8080]\n  sources: [{id: s, image: i}]\n");
  assert.deepEqual(go.controlPlane.command, ["server", "--port", "8080"]);
  assert.deepEqual(Object.keys(go.controlPlane.origins).sort(), ["command", "image"]);
});
