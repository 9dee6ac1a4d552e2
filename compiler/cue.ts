/**
 * The CUE evaluator: CUE v0.4.3 compiled to WebAssembly, from the npm package
 * `cue-wasm` (README, "Why cue-wasm"). The host hands over the wasm bytes or a
 * compiled module (see host/), so this module reads no files. It loads Go's
 * runtime glue shipped inside the same package.
 */

/** One CUE evaluation: the exported JSON, or CUE's error text. */
export interface CueResult {
  json?: string;
  error?: string;
}

export interface CueEngine {
  /** Compiles and exports a CUE source text. Never throws for bad CUE input. */
  evaluate(source: string): CueResult;
}

interface GoInstance {
  importObject: WebAssembly.Imports;
  exited: boolean;
  exit: (code: number) => void;
  run(instance: WebAssembly.Instance): Promise<void>;
}

interface CueApi {
  _toJSONImpl(source: string): { value: string; error: string | null };
}

// Go's wasm glue (wasm_exec.js), as shipped by cue-wasm 1.0.0; its file name is
// part of that pinned release.
const GLUE_FILE = "./wasm_exec.full-4a915ab6.js";

type GoGlobals = typeof globalThis & {
  Go?: new () => GoInstance;
  CueWasmAPI?: CueApi;
  fs?: { writeSync(fd: number, buf: Uint8Array): number };
};

/**
 * The file URL of cue-wasm's entry module. Importing the (small) entry first
 * puts the package into the module graph, so that resolving it gives a file
 * URL that sibling files can be found from.
 */
export async function packageUrl(): Promise<string> {
  await import("cue-wasm");
  return import.meta.resolve("cue-wasm");
}

let gluePromise: Promise<void> | undefined;
/** Text the Go runtime printed (panics end up here, not on our stdout). */
let goOutput = "";

function loadGlue(): Promise<void> {
  gluePromise ??= (async () => {
    const base = await packageUrl();
    await import(new URL(GLUE_FILE, base).href);
    // The glue prints through a console-backed `fs` stub; capture it instead,
    // so a Go panic cannot corrupt a generated file written to stdout.
    const g = globalThis as GoGlobals;
    if (g.fs) {
      const decoder = new TextDecoder();
      g.fs.writeSync = (_fd: number, buf: Uint8Array) => {
        goOutput = (goOutput + decoder.decode(buf)).slice(-4096);
        return buf.length;
      };
    }
  })();
  return gluePromise;
}

/** Instantiates CUE from wasm bytes or an already compiled module. */
export async function createCueEngine(wasm: BufferSource | WebAssembly.Module): Promise<CueEngine> {
  await loadGlue();
  const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
  const g = globalThis as GoGlobals;

  let go: GoInstance;
  let api: CueApi;
  const start = async () => {
    g.CueWasmAPI = {} as CueApi;
    go = new g.Go!();
    go.exit = () => {};
    const instance = await WebAssembly.instantiate(module, go.importObject);
    void go.run(instance); // resolves only when the Go program exits
    api = g.CueWasmAPI;
  };
  await start();
  let restarting: Promise<void> | undefined;

  return {
    evaluate(source: string): CueResult {
      if (go.exited) return { error: "internal: the CUE evaluator stopped (restarting)" };
      try {
        const r = api._toJSONImpl(source);
        return r.error ? { error: String(r.error) } : { json: r.value };
      } catch (err) {
        // A Go panic ends the program; start a fresh instance for later calls.
        restarting ??= start().finally(() => (restarting = undefined));
        const detail = goOutput.split("\n").find((l) => l.startsWith("panic:")) ?? String(err);
        return { error: `internal: the CUE evaluator crashed: ${detail}` };
      }
    },
  };
}
