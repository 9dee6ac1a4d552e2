/**
 * flowctl as a web service: the JSON API (POST /v1/validate, /v1/translate)
 * and the playground page at /. Everything it serves is in memory (the page
 * and its script are embedded) and it writes no files. Listens on PORT,
 * default 8000. Compilations run in a pool of workers, each job within a time
 * budget (host/compile_pool.ts); on a host where workers cannot start, they
 * run in this thread, without a budget. `deno task serve` grants only what
 * this needs; the workers get less (WORKER_PERMISSIONS). Workers with fewer
 * permissions than their parent need deno.json's "unstable": ["worker-options"],
 * which comes with the import map this already needs.
 */
import { loadCue } from "./host/cue_wasm.ts";
import { startCompilePool } from "./host/compile_pool.ts";
import { PAGE_SCRIPT } from "./playground/bundle.ts";
import { PAGE_HTML } from "./playground/page_html.ts";
import { createHandler } from "./service/handler.ts";
import type { CompileRunner } from "./service/runner.ts";

const log = (line: string) => Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
const describe = (err: unknown) => err instanceof Error ? err.stack ?? err.message : String(err);

const portText = Deno.env.get("PORT") ?? "8000";
if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
  log(`flowctl service: PORT must be a port number 0-65535, not ${JSON.stringify(portText)}`);
  Deno.exit(2);
}

const onError = (err: unknown) => log(`flowctl service: internal error: ${describe(err)}`);
let runner: CompileRunner | undefined;
try {
  runner = await startCompilePool({ onError });
} catch (err) {
  log(`flowctl service: compiling in this thread, without a time budget: no compile workers (${describe(err)})`);
}
const page = { html: PAGE_HTML, script: PAGE_SCRIPT };
const handler = runner
  ? createHandler({ runner, page, onError })
  : createHandler({ cue: await loadCue({ diskCache: false }), page, onError }); // a service writes no files

Deno.serve({
  port: Number(portText),
  onListen: ({ hostname, port }) => log(`flowctl service: listening on http://${hostname}:${port}/`),
}, handler);
