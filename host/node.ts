/**
 * The npm package's entry: the whole library (mod.ts) plus `loadCue` for Node.
 *
 * ```js
 * import { compile, loadCue } from "flowctl";
 * const result = compile(text, { filename: "pipeline.yaml", cue: await loadCue(), target: "nomad" });
 * ```
 *
 * @module
 */
export * from "../mod.ts";
export { loadCue } from "./node_cue.ts";
