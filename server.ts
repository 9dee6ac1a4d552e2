/**
 * flowctl as a web service: the JSON API (POST /v1/validate, /v1/translate)
 * and the playground page at /. Everything it serves is in memory (the page
 * and its script are embedded) and it writes no files, so it runs as it is
 * with `deno run -A server.ts` and on Deno Deploy. Listens on PORT, default 8000.
 */
import { loadCue } from "./host/cue_wasm.ts";
import { PAGE_SCRIPT } from "./playground/bundle.ts";
import { PAGE_HTML } from "./playground/page_html.ts";
import { createHandler } from "./service/handler.ts";

const log = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));

const portText = Deno.env.get("PORT") ?? "8000";
if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
  log(`flowctl service: PORT must be a port number 0-65535, not ${JSON.stringify(portText)}`);
  Deno.exit(2);
}

const handler = createHandler({
  cue: await loadCue({ diskCache: false }), // a service writes no files
  page: { html: PAGE_HTML, script: PAGE_SCRIPT },
  onError: (err) => log(`flowctl service: internal error: ${err instanceof Error ? err.stack : err}`),
});

Deno.serve({
  port: Number(portText),
  onListen: ({ hostname, port }) => log(`flowctl service: listening on http://${hostname}:${port}/`),
}, handler);
