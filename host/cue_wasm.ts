/**
 * CUE for Deno entry points: flowctl's validator (cue/), shipped gzipped in the
 * repository. Unzipping it costs tens of milliseconds, so the raw module is
 * kept in the cache folder (host/cache_dir.ts) under a name holding its hash,
 * and read from there on later runs. A cache that cannot be written is not an
 * error: the module is then unzipped on every run.
 */

import { CUE_BUILD } from "../cue/build.ts";
import { GoRuntime } from "../cue/runtime.ts";
import { type CueEngine, createCueEngine, startCueEngine } from "../compiler/cue.ts";
import { VERSION } from "../version.ts";
import { cacheDirectory, cacheDisabledByEnv } from "./cache_dir.ts";
import { writeCacheFile } from "./cache_file.ts";
import { cachedCueEngine } from "./cue_cache.ts";

const ARTIFACT = new URL("../cue/flowctl_cue.wasm.gz", import.meta.url);
const CACHE_NAME = `cue-${CUE_BUILD.sha256.slice(0, 16)}.wasm`;

/** A ready CUE evaluator. */
export async function loadCue(options: LoadOptions = {}): Promise<CueEngine> {
  return createCueEngine(await loadCueWasm(options), GoRuntime);
}

export interface LoadOptions {
  /** Keep the unzipped module in the cache folder (default true); false writes nothing (servers). */
  diskCache?: boolean;
  /** Read it from there (default true); false unzips the shipped module and writes the cache anew. */
  fromCache?: boolean;
}

/** How a command wants its engine: through the cache of CUE's answers (default) or not. */
export interface EngineOptions {
  cache?: boolean;
}

/** CUE for a command line run: started early, answered from the cache when it can be. */
export interface CuePreload {
  engine(options?: EngineOptions): Promise<CueEngine>;
}

/**
 * Starts reading and compiling the module at once: V8 compiles it on other
 * threads while the rest of the program loads. A command then asks for its
 * engine: with the cache (host/cue_cache.ts) CUE itself starts only when an
 * answer is not cached, from the module compiled early.
 */
export function preloadCue(): CuePreload {
  const compiled = compileCueWasm();
  compiled.catch(() => {}); // a failure is reported where the engine is wanted
  return {
    async engine({ cache = true } = {}) {
      const dir = cache && !cacheDisabledByEnv() ? cacheDirectory() : undefined;
      if (!dir) return startCueEngine(await compiled, GoRuntime);
      // Waiting for the compilation is right: a miss is the usual case (a file just changed). A
      // module that does not compile fails only a run that needs CUE, not one answered from the cache.
      const outcome = await compiled.then((module) => ({ module }), (error: unknown) => ({ error }));
      const start = () => {
        if ("error" in outcome) throw outcome.error;
        return startCueEngine(outcome.module, GoRuntime);
      };
      return cachedCueEngine({ dir, version: VERSION, build: CUE_BUILD.sha256, engine: start });
    },
  };
}

/** Reads and compiles the module; a cached copy that does not compile is replaced from the shipped one. */
async function compileCueWasm(): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(await loadCueWasm() as BufferSource);
  } catch {
    return await WebAssembly.compile(await loadCueWasm({ fromCache: false }) as BufferSource);
  }
}

/** The raw wasm module, from the cache when it has it. */
export async function loadCueWasm({ diskCache = true, fromCache = true }: LoadOptions = {}): Promise<Uint8Array> {
  const cacheDir = diskCache ? cacheDirectory() : undefined;
  const cached = cacheDir && fromCache ? await readIfPresent(`${cacheDir}/${CACHE_NAME}`) : undefined;
  if (cached?.length === CUE_BUILD.bytes) return cached;
  const wasm = await gunzip(await loadGzippedWasm());
  if (cacheDir) await writeCacheFile(cacheDir, CACHE_NAME, wasm); // read-only home: unzipped on every run
  return wasm;
}

/** The module as the repository holds it (gzipped). */
export async function loadGzippedWasm(): Promise<Uint8Array> {
  if (ARTIFACT.protocol === "file:") return await Deno.readFile(ARTIFACT);
  return new Uint8Array(await (await fetch(ARTIFACT)).arrayBuffer());
}

async function gunzip(gz: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([gz as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch {
    return undefined;
  }
}
