/**
 * CUE for the Node builds (the npm package, the GitHub Action, the pre-commit
 * hook). scripts/bundle.ts puts two assets beside each bundle: Go's wasm glue
 * (wasm_exec.js) and the CUE module (cue.wasm.gz), both from cue-wasm 1.0.0.
 */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { type CueEngine, createCueEngine } from "../compiler/cue.ts";

let engine: Promise<CueEngine> | undefined;

/** A ready CUE evaluator (one per process; later calls share it). */
export function loadCue(): Promise<CueEngine> {
  engine ??= (async () => {
    await import(new URL("./wasm_exec.js", import.meta.url).href);
    const gz = await readFile(new URL("./cue.wasm.gz", import.meta.url));
    return createCueEngine(gunzipSync(gz));
  })();
  return engine;
}
