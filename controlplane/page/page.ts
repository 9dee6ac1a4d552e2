/**
 * The control plane's page at `/`: the pipeline's graph (graph/svg.ts, from
 * the topology the target handed over, plus any stranger that registered),
 * coloured by live health by page.js, which polls `/api/pipeline`. No
 * external assets and nothing inline but the SVG: the CSP allows scripts,
 * styles and requests from this origin only.
 */
import { renderSvg } from "../../graph/svg.ts";
import { type PipelineView, viewTopology } from "../pipeline_view.ts";
import { PAGE_ICON } from "./page_icon.ts";
import { PAGE_SCRIPT } from "./page_script.ts";
import { PAGE_STYLE } from "./page_style.ts";

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = { "content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" };

/** How often the page asks again, in milliseconds (`?refresh=` overrides it, from 250). */
export const REFRESH_MS = 2000;

/** The page's routes: the page, its script and style, the graph alone, and the view as JSON; undefined for other paths. */
export function pageRoute(pathname: string, search: URLSearchParams, view: () => PipelineView): Response | undefined {
  switch (pathname) {
    case "/":
      return page(view(), Math.max(250, Number(search.get("refresh")) || REFRESH_MS));
    case "/ui/page.js":
      return asset(PAGE_SCRIPT, "text/javascript; charset=utf-8");
    case "/ui/page.css":
      return asset(PAGE_STYLE, "text/css; charset=utf-8");
    case "/ui/icon.svg":
      return asset(PAGE_ICON, "image/svg+xml");
    case "/graph.svg":
      return new Response(graph(view()), { headers: { ...SECURITY_HEADERS, "content-type": "image/svg+xml; charset=utf-8", "cache-control": "no-store" } });
    case "/api/pipeline":
      return Response.json(viewJson(view()), { headers: { "cache-control": "no-store" } });
  }
  return undefined;
}

function page(view: PipelineView, refreshMs: number): Response {
  const title = view.pipeline ? `${view.pipeline} · flowctl` : "flowctl control plane";
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<link rel="icon" href="/ui/icon.svg">
<link rel="stylesheet" href="/ui/page.css">
<script src="/ui/page.js" defer></script>
</head>
<body data-refresh-ms="${refreshMs}">
<header>
<h1>${escape(view.pipeline || "flowctl control plane")}</h1>
<p id="health" class="health-${view.health}">pipeline ${view.health}</p>
<p id="updated"></p>
</header>
<main>
<section id="graph" data-ids="${escape(view.components.map((c) => c.id).join("\u0000"))}">${graph(view)}</section>
<table id="components">
<thead><tr><th>component</th><th>kind</th><th>state</th><th>heartbeat age</th><th>restarts</th><th>metrics</th></tr></thead>
<tbody></tbody>
</table>
</main>
</body>
</html>
`;
  return new Response(html, { headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

/** The last drawing and what it drew: laying out a large graph takes long (~0.8 s for 1,000 components), and it rarely changes. */
let drawn: { key: string; svg: string } | undefined;

function graph(view: PipelineView): string {
  const topology = viewTopology(view);
  const key = JSON.stringify(topology);
  if (drawn?.key !== key) drawn = { key, svg: renderSvg(topology, { controlPlane: true }).replace(/^<\?xml[^>]*>\s*/, "") };
  return drawn.svg;
}

function asset(text: string, type: string): Response {
  return new Response(text, { headers: { ...SECURITY_HEADERS, "content-type": type, "cache-control": "no-cache" } });
}

/** The view as `/api/pipeline` answers it: snake_case, like `/api/services`. */
function viewJson(view: PipelineView) {
  return {
    pipeline: view.pipeline,
    health: view.health,
    components: view.components.map((c) => ({
      id: c.id,
      kind: c.kind,
      label: c.label,
      inputs: c.inputs,
      state: c.state,
      services: c.services.map((s) => ({
        service_id: s.serviceId,
        status: s.status,
        heartbeat_age_seconds: s.heartbeatAgeSeconds,
        restarts: s.restarts,
        metrics: s.metrics,
      })),
    })),
  };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
