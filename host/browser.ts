/**
 * The library for browsers (the npm package's "browser" entry): mod.ts plus
 * a `loadCue` that fetches CUE's wasm from beside the bundle.
 *
 * @module
 */
export * from "../mod.ts";
export { loadCue } from "./browser_cue.ts";
