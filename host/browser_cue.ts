/**
 * CUE in a browser: Go's wasm glue (wasm_exec.js) and the gzipped CUE module
 * (cue.wasm.gz) are fetched from a base URL — by default the folder of this
 * bundle, where the npm package puts them.
 */
import { type CueEngine, createCueEngine } from "../compiler/cue.ts";

let engine: Promise<CueEngine> | undefined;

/** A ready CUE evaluator (one per page; later calls share it). */
export function loadCue(base: string | URL = import.meta.url): Promise<CueEngine> {
  engine ??= (async () => {
    await import(new URL("./wasm_exec.js", base).href);
    const runtime = (globalThis as { Go?: unknown }).Go; // taken at once: another Go program may replace it
    const response = await fetch(new URL("./cue.wasm.gz", base));
    if (!response.ok || !response.body) throw new Error(`cannot fetch cue.wasm.gz: HTTP ${response.status}`);
    const wasm = await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    return createCueEngine(wasm, runtime);
  })();
  return engine;
}
