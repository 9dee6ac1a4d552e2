/** What a target reports points at the line and column where the user wrote the setting concerned. */
import assert from "node:assert/strict";
import { compile } from "../../translate/compile.ts";
import { cue } from "../support/helpers.ts";

async function diagnostics(target: string, spec: string) {
  const text = `apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n${spec}`;
  const result = compile(text, { filename: "p.yaml", cue: await cue(), target });
  return result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`);
}

Deno.test("local: a port clash is reported at the health port, also when it is the serving port from env", async () => {
  // 8080 is the control plane's.
  assert.deepEqual(
    await diagnostics("local", "  sources:\n    - id: s\n      command: [src]\n      env: {PORT: '8080'}\n      health_check: /h\n      health_port: 8080\n"),
    ["6:11 W_UNCONSUMED", "10:20 E_PORT_CONFLICT"],
  );
  assert.deepEqual(
    await diagnostics("local", "  sources:\n    - id: s\n      command: [src]\n      health_check: /h\n      env:\n        HEALTH_PORT: '8080'\n"),
    ["6:11 W_UNCONSUMED", "10:22 E_PORT_CONFLICT"],
  );
  assert.deepEqual(
    await diagnostics("local", "  sources:\n    - id: s\n      command: [src]\n      env:\n        GRPC_PORT: ':8080'\n"),
    ["6:11 W_UNCONSUMED", "9:20 E_PORT_CONFLICT"],
  );
});

Deno.test("nomad: a ${...} caveat about a value from config points at the config entry", async () => {
  assert.deepEqual(
    await diagnostics("nomad", "  sources:\n    - id: s\n      image: i\n      config:\n        url: http://${HOST}/x\n"),
    ["6:11 W_UNCONSUMED", "9:14 W_TARGET_CAVEAT"],
  );
});

Deno.test("kubernetes: a hostPort it cannot publish is reported at its port entry", async () => {
  assert.deepEqual(
    await diagnostics("kubernetes", "  sources:\n    - id: s\n      image: i\n      ports:\n        - {containerPort: 1, hostPort: 2}\n"),
    ["6:11 W_UNCONSUMED", "9:11 W_TARGET_DROPPED"],
  );
});
