/**
 * CUE for the Node builds (the npm package, the GitHub Action, the pre-commit
 * hook). The bundle carries Go's glue; scripts/bundle.ts puts the validator
 * module (cue.wasm.gz, from cue/) beside each bundle.
 */
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { CUE_BUILD } from "../cue/build.ts";
import { GoRuntime } from "../cue/runtime.ts";
import { type CueEngine, createCueEngine, startCueEngine } from "../compiler/cue.ts";
import { VERSION } from "../version.ts";
import { cacheDirectory, cacheDisabledByEnv } from "./cache_dir.ts";
import { cachedCueEngine } from "./cue_cache.ts";

const MODULE = new URL("./cue.wasm.gz", import.meta.url);
let engine: Promise<CueEngine> | undefined;

/** A ready CUE evaluator (one per process; later calls share it, as the Action does across files). */
export function loadCue(): Promise<CueEngine> {
  engine ??= (async () => createCueEngine(gunzipSync(await readFile(MODULE)), GoRuntime))();
  return engine;
}

/**
 * The command line's evaluator: answers from the cache of CUE's answers
 * (host/cue_cache.ts) unless turned off; CUE starts only on a miss.
 */
export function commandLineCue({ cache = true }: { cache?: boolean } = {}): Promise<CueEngine> {
  const dir = cache && !cacheDisabledByEnv() ? cacheDirectory() : undefined;
  if (!dir) return loadCue();
  // One cached engine for the process; it starts CUE once, on its first miss.
  const start = () => startCueEngine(new WebAssembly.Module(gunzipSync(readFileSync(MODULE))), GoRuntime);
  cached ??= Promise.resolve(cachedCueEngine({ dir, version: VERSION, build: CUE_BUILD.sha256, engine: start }));
  return cached;
}

let cached: Promise<CueEngine> | undefined;
