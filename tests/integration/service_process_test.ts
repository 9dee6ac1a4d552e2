/**
 * The web service as `deno task serve` starts it, over HTTP: its compile
 * workers start under the task's permissions (no fallback to the main
 * thread), answer what the handler answers in process, and a method named
 * like an Object property is a 405 on the wire too (issue 12, items 10 and 11).
 */
import assert from "node:assert/strict";
import { createHandler } from "../../service/handler.ts";
import { cue, ROOT } from "../support/helpers.ts";
import { spawnService } from "../support/service_process.ts";

Deno.test("service process: compiles in workers under the serve task's permissions, with the in-process answers", async () => {
  const service = await spawnService();
  try {
    const fanOut = await Deno.readTextFile(new URL("fixtures/fan_out.yaml", ROOT));
    // prefix and registry cross into the workers with the rest of the job.
    const body = JSON.stringify({ source: fanOut, filename: "fan_out.yaml", target: "kubernetes", prefix: "dev", registry: "registry.example.com/acme" });
    const init = { method: "POST", headers: { "content-type": "application/json" }, body };
    const remote = await fetch(`${service.base}/v1/translate`, init);
    const local = await createHandler({ cue: await cue() })(new Request("http://flowctl.test/v1/translate", init));
    assert.equal(remote.status, 200);
    const text = await remote.text();
    assert.equal(text, await local.text());
    assert.ok(JSON.parse(text).files.every((f: { path: string }) => f.path.includes("-dev-")), "every object is named dev-…");

    for (const method of ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"]) {
      const r = await fetch(`${service.base}/v1/translate`, { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.get("allow"), "POST");
      assert.equal((await r.json()).error.code, "method_not_allowed");
    }
    const notFound = await fetch(`${service.base}/constructor`);
    assert.equal(notFound.status, 404);
    await notFound.body?.cancel();
  } finally {
    await service.stop();
  }
  assert.doesNotMatch(service.log(), /compiling in this thread|internal error|NotCapable|PermissionDenied/);
});
