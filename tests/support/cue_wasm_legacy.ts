/**
 * The validator flowctl used before its own (issue 18): CUE v0.4.3 from the npm
 * package cue-wasm 1.0.0, kept only to compare verdicts with. Its Go glue and
 * gzipped, base64-encoded module are sibling files of the package's entry.
 */

type OldGoInstance = {
  importObject: WebAssembly.Imports;
  exit: (code: number) => void;
  run(instance: WebAssembly.Instance): Promise<void>;
};
type LegacyApi = { _toJSONImpl(source: string): { value: string; error: string | null } };
type Globals = typeof globalThis & { Go?: new () => OldGoInstance; CueWasmAPI?: LegacyApi };

/** Exports a CUE text with cue-wasm; `error` is CUE's first error, when there is one. */
export type LegacyCue = (source: string) => { json?: string; error?: string };

export async function loadLegacyCue(): Promise<LegacyCue> {
  const g = globalThis as Globals;
  // Importing the entry puts the package in the module graph, so it resolves to a file URL.
  await import("cue-wasm");
  const base = import.meta.resolve("cue-wasm");
  // The glue replaces globalThis.Go with an old runtime: keep it, and put back what was there.
  const previous = g.Go;
  await import(new URL("./wasm_exec.full-4a915ab6.js", base).href);
  const OldGo = g.Go!;
  g.Go = previous;

  const text = await Deno.readTextFile(new URL("./cue.wasm.full.inline-71749b04.js", base));
  const base64 = text.slice(text.indexOf('"') + 1, text.lastIndexOf('"'));
  const gz = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const unzipped = new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"));
  const wasm = await new Response(unzipped).arrayBuffer();

  g.CueWasmAPI = {} as LegacyApi;
  const go = new OldGo();
  go.exit = () => {};
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  void go.run(instance); // resolves only when the Go program exits, which it never does
  const api = g.CueWasmAPI;
  return (source) => {
    const r = api._toJSONImpl(source);
    return r.error ? { error: String(r.error) } : { json: r.value };
  };
}
