/** Shared test set-up: one CUE engine for the whole run, and fixture listing. */
import { type CueEngine, createCueEngine } from "../compiler/cue.ts";
import { loadCueWasm } from "../host/cue_wasm.ts";

export const ROOT = new URL("../", import.meta.url);

let engine: Promise<CueEngine> | undefined;
export function cue(): Promise<CueEngine> {
  engine ??= loadCueWasm().then(createCueEngine);
  return engine;
}

/** File names (not folders) in a fixtures folder, sorted. */
export async function fixtureFiles(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(new URL(`${folder}/`, ROOT))) {
    if (e.isFile && /\.(ya?ml|json)$/.test(e.name)) names.push(e.name);
  }
  return names.sort();
}
