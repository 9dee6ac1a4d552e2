/**
 * Finds the CUE wasm bytes for a Deno entry point. cue-wasm ships them gzipped
 * and base64-encoded inside a JS file; decoding that costs ~100 ms, so the raw
 * module is cached on disk (FLOWCTL_CACHE_DIR, else $XDG_CACHE_HOME/flowctl or
 * ~/.cache/flowctl) and read from there on later runs. A cache that cannot be
 * written is not an error: the bytes are then decoded on every run.
 */

import { packageUrl } from "../compiler/cue.ts";

const PACKAGE_FILE = "./cue.wasm.full.inline-71749b04.js";
const CACHE_NAME = "cue-wasm-1.0.0.wasm";

export async function loadCueWasm(): Promise<Uint8Array> {
  const cacheDir = cacheDirectory();
  const cached = cacheDir ? await readIfPresent(`${cacheDir}/${CACHE_NAME}`) : undefined;
  if (cached) return cached;
  const wasm = await decodePackagedWasm();
  if (cacheDir) await writeAtomically(cacheDir, CACHE_NAME, wasm);
  return wasm;
}

async function decodePackagedWasm(): Promise<Uint8Array> {
  const url = new URL(PACKAGE_FILE, await packageUrl());
  const text = await Deno.readTextFile(url);
  const b64 = text.slice(text.indexOf('"') + 1, text.lastIndexOf('"'));
  const gz = base64ToBytes(b64);
  const stream = new Blob([gz as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
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
