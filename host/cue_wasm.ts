/**
 * CUE for Deno entry points: loads Go's wasm glue and finds the CUE wasm bytes,
 * both shipped in the npm package cue-wasm 1.0.0 (their file names are part of
 * that pinned release). The bytes come gzipped and base64-encoded inside a JS
 * file; decoding that costs ~100 ms, so the raw module is cached on disk
 * (FLOWCTL_CACHE_DIR, else $XDG_CACHE_HOME/flowctl or ~/.cache/flowctl) and
 * read from there on later runs. A cache that cannot be written is not an
 * error: the bytes are then decoded on every run.
 */

import { type CueEngine, createCueEngine } from "../compiler/cue.ts";

const WASM_FILE = "./cue.wasm.full.inline-71749b04.js";
export const GLUE_FILE = "./wasm_exec.full-4a915ab6.js";
const CACHE_NAME = "cue-wasm-1.0.0.wasm";

/** A ready CUE evaluator. */
export async function loadCue(options: LoadOptions = {}): Promise<CueEngine> {
  await loadGoGlue();
  return createCueEngine(await loadCueWasm(options));
}

export interface LoadOptions {
  /** Keep the unzipped module in a cache folder (default true); false writes nothing (servers). */
  diskCache?: boolean;
}

/**
 * The file URL of cue-wasm's entry module. Importing the (small) entry first
 * puts the package into the module graph, so that resolving it gives a file
 * URL that sibling files can be found from.
 */
export async function packageUrl(): Promise<string> {
  await import("cue-wasm");
  return import.meta.resolve("cue-wasm");
}

let glue: Promise<unknown> | undefined;
/** Runs Go's wasm_exec.js once; it defines `globalThis.Go`. */
export function loadGoGlue(): Promise<unknown> {
  glue ??= packageUrl().then((base) => import(new URL(GLUE_FILE, base).href));
  return glue;
}

/** The raw wasm module, from the cache when it has it. */
export async function loadCueWasm({ diskCache = true }: LoadOptions = {}): Promise<Uint8Array> {
  const cacheDir = diskCache ? cacheDirectory() : undefined;
  const cached = cacheDir ? await readIfPresent(`${cacheDir}/${CACHE_NAME}`) : undefined;
  if (cached) return cached;
  const wasm = await decodePackagedWasm();
  if (cacheDir) await writeAtomically(cacheDir, CACHE_NAME, wasm);
  return wasm;
}

async function decodePackagedWasm(): Promise<Uint8Array> {
  const gz = await loadGzippedWasm();
  const stream = new Blob([gz as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The gzipped module as cue-wasm ships it (base64 in a JS file), decoded but not unzipped. */
export async function loadGzippedWasm(): Promise<Uint8Array> {
  const text = await Deno.readTextFile(new URL(WASM_FILE, await packageUrl()));
  return base64ToBytes(text.slice(text.indexOf('"') + 1, text.lastIndexOf('"')));
}

function base64ToBytes(b64: string): Uint8Array {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function cacheDirectory(): string | undefined {
  try {
    const explicit = Deno.env.get("FLOWCTL_CACHE_DIR");
    if (explicit) return explicit;
    const xdg = Deno.env.get("XDG_CACHE_HOME");
    if (xdg) return `${xdg}/flowctl`;
    const home = Deno.env.get("HOME");
    return home ? `${home}/.cache/flowctl` : undefined;
  } catch {
    return undefined; // no --allow-env
  }
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch {
    return undefined;
  }
}

async function writeAtomically(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const tmp = `${dir}/.${name}.${Deno.pid}.tmp`;
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, `${dir}/${name}`);
  } catch {
    // Read-only home or no permission: run without the cache.
  }
}
