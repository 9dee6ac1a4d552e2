/**
 * The control plane's page without a socket: the pipeline view (states from
 * the registry over the handed-over graph, replicas, strangers, restarts),
 * the routes and their headers, and that names reach the page only escaped.
 */
import assert from "node:assert/strict";
import { CallCounter, httpHandler } from "../../controlplane/http_api.ts";
import { pipelineView } from "../../controlplane/pipeline_view.ts";
import { Registry } from "../../controlplane/registry.ts";
import type { Topology } from "../../graph/topology.ts";
import { componentInfo } from "../support/component_info.ts";

const info = componentInfo;

const TOPOLOGY: Topology = {
  pipeline: "p",
  components: [
    { id: "src", kind: "source", label: "img/src", inputs: [] },
    { id: "proc", kind: "processor", label: "img/proc", inputs: ["src"] },
    { id: "sink", kind: "sink", label: "img/sink", inputs: ["proc"] },
  ],
};

function handler(registry: Registry, topology?: Topology, now = 10_000) {
  const store = { recoveries: 0, rowsSkipped: 0, rowsImported: 0, commits: () => 0 };
  return httpHandler({ registry, calls: new CallCounter(), store, clock: () => now, startedAt: 0, denied: new CallCounter(), topology });
}

Deno.test("page view: each component of the graph with the worst state of its services; not registered; strangers drawn apart", () => {
  const r = new Registry({ heartbeatTtlMs: 30_000, endpoint: "cp:8080" });
  r.register(info("src", "SOURCE"), "", 1000);
  r.register(info("proc"), "proc-1", 1000);
  r.register(info("proc"), "proc-2", 1000);
  r.heartbeat("proc-2", "DEGRADED", { lag: "7" }, 4000);
  r.register(info("visitor", "CONSUMER"), "", 1000);
  r.register(info("src", "SOURCE"), "", 2000); // it restarted
  const view = pipelineView(r, TOPOLOGY, 6000);
  assert.deepEqual(view.components.map((c) => [c.id, c.kind, c.state]), [
    ["src", "source", "healthy"],
    ["proc", "processor", "degraded"],
    ["sink", "sink", "not-registered"],
    ["visitor", "sink", "healthy"],
  ]);
  assert.equal(view.health, "degraded");
  const src = view.components[0].services[0];
  assert.deepEqual([src.restarts, src.heartbeatAgeSeconds], [1, 4]);
  assert.deepEqual(view.components[1].services.map((s) => [s.serviceId, s.status, s.metrics]), [
    ["proc-1", "HEALTHY", {}],
    ["proc-2", "DEGRADED", { lag: "7" }],
  ]);
  assert.deepEqual(view.components[3].inputs, [], "a stranger has no edges");
  // No graph and nobody registered: an empty, unhealthy pipeline, which the page still draws.
  assert.deepEqual(pipelineView(new Registry({ heartbeatTtlMs: 1, endpoint: "" }), undefined, 0), { pipeline: "", health: "unhealthy", components: [] });
});

Deno.test("page routes: the page under a strict CSP, its own script and style, the graph, and the view as JSON", async () => {
  const r = new Registry({ heartbeatTtlMs: 30_000, endpoint: "cp:8080" });
  r.register(info("src", "SOURCE"), "", 1000);
  const get = (path: string) => handler(r, TOPOLOGY)(new Request(`http://cp${path}`));
  const page = get("/");
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(page.headers.get("content-security-policy")!, /^default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'/);
  const html = await page.text();
  assert.match(html, /<script src="\/ui\/page\.js" defer><\/script>/);
  assert.doesNotMatch(html, /<script>|\sstyle=|\son[a-z]+=/, "nothing inline that the CSP would block");
  assert.match(html, /<g class="node processor" data-id="proc">/);
  assert.match(html, /data-refresh-ms="2000"/);
  assert.match(await get("/?refresh=50").text(), /data-refresh-ms="250"/, "no faster than 250 ms");
  assert.equal(get("/ui/page.js").headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(get("/ui/page.css").headers.get("content-type"), "text/css; charset=utf-8");
  assert.match(await get("/graph.svg").text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const json = await get("/api/pipeline").json();
  assert.deepEqual(json.components.map((c: { id: string; state: string }) => [c.id, c.state]), [
    ["src", "healthy"],
    ["proc", "not-registered"],
    ["sink", "not-registered"],
  ]);
  assert.deepEqual(Object.keys(json.components[0].services[0]), ["service_id", "status", "heartbeat_age_seconds", "restarts", "metrics"]);
  assert.equal(get("/nothing").status, 404);
});

Deno.test("page: names are data — a component id or pipeline name full of markup reaches the page escaped", async () => {
  const r = new Registry({ heartbeatTtlMs: 30_000, endpoint: "" });
  const evil = `"><script>alert(1)</script><x a='`;
  r.register(info(evil), "", 0);
  const html = await handler(r, { pipeline: `</title><script>x()</script>`, components: [] })(new Request("http://cp/")).text();
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /&#60;\/title&#62;&#60;script&#62;x\(\)&#60;\/script&#62;/);
});
