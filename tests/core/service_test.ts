/** The web service's API, through its fetch handler (no socket): answers, status codes and limits. */
import assert from "node:assert/strict";
import { compile } from "../../translate/compile.ts";
import { SERVICE_ERROR_CODES } from "../../service/error_codes.ts";
import { createHandler } from "../../service/handler.ts";
import { cue, ROOT } from "../support/helpers.ts";

const handler = createHandler({ cue: await cue(), maxBodyBytes: 64 * 1024, page: { html: "<!doctype html>", script: "void 0;" } });
const fanOut = await Deno.readTextFile(new URL("fixtures/fan_out.yaml", ROOT));

async function call(path: string, body?: unknown, init: RequestInit = {}) {
  const response = await handler(
    new Request(`http://flowctl.test${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    }),
  );
  assert.ok(response instanceof Response, `${init.method ?? "GET"} ${path} answered ${Object.prototype.toString.call(response)}, not a Response`);
  const type = response.headers.get("content-type") ?? "";
  return { status: response.status, headers: response.headers, body: type.startsWith("application/json") ? await response.json() : await response.text() };
}

Deno.test("service: translate answers with the same files and diagnostics as the compiler", async () => {
  const r = await call("/v1/translate", { source: fanOut, filename: "fan_out.yaml", target: "kubernetes", options: { namespace: "data" } });
  assert.equal(r.status, 200);
  const direct = compile(fanOut, { filename: "fan_out.yaml", cue: await cue(), target: "kubernetes", generatorOptions: { namespace: "data" } });
  assert.equal(r.body.target, "kubernetes");
  assert.deepEqual(r.body.files, direct.files.map((f) => ({ path: f.path, content: f.content })));
  assert.deepEqual(r.body.diagnostics, direct.diagnostics);
  assert.match(r.body.files.find((f: { path: string }) => f.path.includes("deployment")).content, /namespace: data/);
});

Deno.test("service: translate takes prefix and registry, as the CLI's --prefix and --registry", async () => {
  const source = await Deno.readTextFile(new URL("fixtures/with_flags/prefix_registry.yaml", ROOT));
  for (const target of ["docker-compose", "kubernetes", "nomad", "local"]) {
    const r = await call("/v1/translate", { source, target, prefix: "dev", registry: "registry.example.com/acme" });
    assert.equal(r.status, 200, target);
    const direct = compile(source, { filename: "pipeline.yaml", cue: await cue(), target, prefix: "dev", imageRegistry: "registry.example.com/acme" });
    assert.deepEqual(r.body.files, direct.files.map((f) => ({ path: f.path, content: f.content })), target);
    assert.match(r.body.files.map((f: { content: string }) => f.content).join(""), /registry\.example\.com\/acme\/postgres:16/, target);
  }
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ prefix: 1 }, /^"prefix" must be a string$/],
    [{ registry: ["ghcr.io"] }, /^"registry" must be a string$/],
    [{ prefix: "Dev" }, /^prefix "Dev" cannot start names on every target: use lower-case letters/],
    [{ registry: "a b" }, /^registry "a b" is not a registry to put before image names/],
    [{ controlPlaneImage: 7 }, /^"controlPlaneImage" must be a string$/],
    [{ controlPlaneImage: "a b" }, /^control-plane-image "a b" is not an image reference/],
  ];
  for (const [fields, message] of cases) {
    const r = await call("/v1/translate", { source, ...fields });
    assert.equal(r.status, 400, JSON.stringify(fields));
    assert.equal(r.body.error.code, "invalid_request");
    assert.match(r.body.error.message, message);
  }
  const unknown = await call("/v1/validate", { source, prefix: "dev" });
  assert.equal(unknown.body.error.code, "unknown_field", "validate generates nothing to name");
  const listed = await call("/v1/translate", { source, colour: "red" });
  assert.match(listed.body.error.message, /the fields are source, filename, target, options, prefix, registry, controlPlaneImage$/);
  const image = await call("/v1/translate", { source, target: "kubernetes", controlPlaneImage: "ghcr.io/acme/flowctl/control-plane:0.1.0" });
  assert.match(image.body.files.map((f: { content: string }) => f.content).join(""), /image: ghcr\.io\/acme\/flowctl\/control-plane:0\.1\.0\n/);
});

Deno.test("service: a pipeline with errors is 422 (translate) or 200 with valid=false (validate), diagnostics with the CLI's fields", async () => {
  const broken = fanOut.replace("inputs: [token-transfers]", "inputs: [token-transfer]");
  const t = await call("/v1/translate", { source: broken });
  assert.equal(t.status, 422);
  assert.deepEqual(t.body.files, []);
  const d = t.body.diagnostics.find((x: { code: string }) => x.code === "E_UNKNOWN_INPUT");
  assert.deepEqual(Object.keys(d).sort(), ["code", "column", "file", "hint", "line", "message", "path", "severity"]);
  assert.equal(d.file, "pipeline.yaml");
  const v = await call("/v1/validate", { source: broken, filename: "p.yaml" });
  assert.equal(v.status, 200);
  assert.equal(v.body.valid, false);
  assert.deepEqual(v.body.diagnostics.map((x: { line: number }) => x.line), t.body.diagnostics.map((x: { line: number }) => x.line));
  assert.equal((await call("/v1/validate", { source: fanOut })).body.valid, true);
});

Deno.test("service: requests it cannot take get a 4xx with a code and a message", async () => {
  const cases: [string, unknown, RequestInit, number, string][] = [
    ["/v1/translate", "{not json", {}, 400, "invalid_json"],
    ["/v1/translate", [1], {}, 400, "invalid_request"],
    ["/v1/translate", { source: 42 }, {}, 400, "invalid_request"],
    ["/v1/translate", { source: "x", colour: "red" }, {}, 400, "unknown_field"],
    ["/v1/translate", { source: "x", target: "helm" }, {}, 400, "unknown_target"],
    ["/v1/translate", { source: "x", options: { namespace: ["a"] } }, {}, 400, "invalid_request"],
    ["/v1/validate", { source: "x", target: "nomad" }, {}, 400, "unknown_field"],
    ["/v1/translate", { source: "x" }, { headers: { "content-type": "text/plain" } }, 415, "unsupported_media_type"],
    ["/v1/translate", { source: "#".repeat(70 * 1024) }, {}, 413, "body_too_large"],
    ["/v1/translate", undefined, {}, 405, "method_not_allowed"],
    ["/v2/translate", { source: "x" }, {}, 404, "not_found"],
  ];
  for (const [path, body, init, status, code] of cases) {
    const r = await call(path, body, init);
    assert.equal(r.status, status, `${path} ${JSON.stringify(body)?.slice(0, 60)}`);
    assert.equal(r.body.error.code, code);
    assert.ok(r.body.error.message.length > 10);
  }
  assert.equal((await call("/v1/validate")).headers.get("allow"), "POST");
});

Deno.test("service: a body larger than the limit is refused even without Content-Length (streamed)", async () => {
  const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent++ < 10) c.enqueue(chunk);
      else c.close();
    },
  });
  const r = await call("/v1/validate", undefined, { method: "POST", body: stream, headers: { "content-type": "application/json" } });
  assert.equal(r.status, 413);
  assert.ok(sent < 10, "stopped reading early");
});

Deno.test("service: targets are listed with their options; the page and its script are served", async () => {
  const t = await call("/v1/targets");
  assert.deepEqual(t.body.targets.map((x: { name: string }) => x.name), ["docker-compose", "kubernetes", "local", "nomad"]);
  assert.ok(t.body.targets.find((x: { name: string }) => x.name === "kubernetes").options.some((o: { name: string }) => o.name === "namespace"));
  assert.match(t.body.targets.find((x: { name: string }) => x.name === "nomad").prefix, /^the job is `<prefix>-<name>`/, "what a prefix changes");
  const page = await call("/");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
  assert.equal((await call("/playground.js")).headers.get("content-type"), "text/javascript; charset=utf-8");
});

/** Names an object inherits (constructor, toString, valueOf, hasOwnProperty, __proto__, …): a lookup on a plain object finds them. */
const INHERITED_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), ...Object.getOwnPropertyNames(Function.prototype)])];

Deno.test("service: a method named like an Object property is 405 with Allow on every route, never 500 (issue 12, item 10)", async () => {
  assert.ok(["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"].every((n) => INHERITED_NAMES.includes(n)));
  const routes: [string, string][] = [
    ["/v1/validate", "POST"], ["/v1/translate", "POST"], ["/v1/targets", "GET"], ["/", "GET"], ["/playground.js", "GET"], ["/favicon.ico", "GET"],
  ];
  for (const [path, allowed] of routes) {
    for (const method of INHERITED_NAMES) {
      const r = await call(path, undefined, { method });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get("allow"), allowed, `${method} ${path}`);
      assert.equal(r.body.error.code, "method_not_allowed");
    }
  }
});

Deno.test("service: a path named like an Object property is 404 for every method (issue 12, item 10)", async () => {
  for (const name of INHERITED_NAMES) {
    for (const path of [`/${name}`, `/v1/${name}`, name === "__proto__" ? "/%5F%5Fproto%5F%5F" : `/${name}/`]) {
      for (const method of ["GET", "POST", name]) {
        const r = await call(path, undefined, { method });
        assert.equal(r.status, 404, `${method} ${path}`);
        assert.equal(r.body.error.code, "not_found");
      }
    }
  }
});

Deno.test("service: every error code is in the README's service section, with its status and meaning, and nothing else is", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const section = readme.slice(readme.indexOf("### Web service and playground"), readme.indexOf("### Editors"));
  const rows = [...section.matchAll(/^\| (\d{3}) \| `([a-z0-9_]+)` \| (.+) \|$/gm)].map((m) => ({ code: m[2], status: Number(m[1]), meaning: m[3] }));
  assert.deepEqual(
    rows.map((r) => r.code).sort(),
    Object.keys(SERVICE_ERROR_CODES).sort(),
  );
  for (const { code, status, meaning } of rows) {
    assert.deepEqual({ status, meaning }, SERVICE_ERROR_CODES[code as keyof typeof SERVICE_ERROR_CODES], code);
  }
});
