/** The read-back checks of tests/support/round_trip.ts notice a changed value (a check that cannot fail proves nothing). */
import assert from "node:assert/strict";
import { compile } from "../../translate/compile.ts";
import type { PipelineIR } from "../../compiler/ir.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { cue, ROOT } from "../support/helpers.ts";
import { parsedJob } from "../support/nomad_check.ts";
import { checkComposeValues, checkKubernetesValues, checkLocalValues, checkNomadJob } from "../support/round_trip.ts";

const text = await Deno.readTextFile(new URL("fixtures/tricky_values.yaml", ROOT));

async function output(target: string) {
  const result = compile(text, { filename: "tricky_values.yaml", cue: await cue(), target, registry: defaultRegistry() });
  assert.equal(result.files.length > 0, true, result.diagnostics.map((d) => d.message).join("\n"));
  return { contents: result.files.map((f) => f.content), ir: result.pipelines[0] };
}

/** The IR with one value changed: an env value, then an argument. */
function changed(ir: PipelineIR): PipelineIR[] {
  const env = structuredClone(ir);
  const c = env.components.find((x) => Object.keys(x.env).includes("QUOTES"))!;
  c.env.QUOTES.value += "!";
  const args = structuredClone(ir);
  args.components.find((x) => x.args.length)!.args[0] += "!";
  return [env, args];
}

Deno.test("round trip: each target's check passes on its output and fails on a changed env value or argument", async () => {
  const compose = await output("docker-compose");
  checkComposeValues(compose.contents[0], compose.ir);
  assert.throws(() => checkComposeValues(compose.contents[0], changed(compose.ir)[0]), /QUOTES/);

  const k8s = await output("kubernetes");
  checkKubernetesValues(k8s.contents, k8s.ir);
  for (const ir of changed(k8s.ir)) assert.throws(() => checkKubernetesValues(k8s.contents, ir));

  const nomad = await output("nomad");
  const { job } = await parsedJob("x.hcl", nomad.contents[0]);
  checkNomadJob(nomad.ir, job);
  for (const ir of changed(nomad.ir)) assert.throws(() => checkNomadJob(ir, job));

  const local = await output("local");
  await checkLocalValues(local.contents[0], local.ir);
  for (const ir of changed(local.ir)) await assert.rejects(checkLocalValues(local.contents[0], ir));
});
