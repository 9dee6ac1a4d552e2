/**
 * The CUE evaluator: CUE v0.4.3 compiled to WebAssembly, from the npm package
 * `cue-wasm` (README, "Why cue-wasm"). The host hands over the wasm bytes or a
 * compiled module and has loaded Go's runtime glue, which defines `globalThis.Go`
 * (see host/: each runtime finds both its own way), so this module reads no files.
 */

/** One CUE evaluation: the exported JSON, or CUE's error text. */
export interface CueResult {
  json?: string;
  error?: string;
}

export interface CueEngine {
  /** Compiles and exports a CUE source text. Never throws for bad CUE input. */
  evaluate(source: string): CueResult;
  /** The definitions of a CUE source text as an OpenAPI 3 document (CUE's own encoder). */
  openapi(source: string): CueResult;
}

interface GoInstance {
  importObject: WebAssembly.Imports;
  exited: boolean;
  exit: (code: number) => void;
  run(instance: WebAssembly.Instance): Promise<void>;
}

interface CueApi {
  _toJSONImpl(source: string): { value: string; error: string | null };
  _toOpenAPIImpl(source: string): { value: string; error: string | null };
}

type GoGlobals = typeof globalThis & {
  Go?: new () => GoInstance;
  CueWasmAPI?: CueApi;
  fs?: { writeSync(fd: number, buf: Uint8Array): number };
};

/** Text the Go runtime printed (panics end up here, not on our stdout). */
let goOutput = "";
let captured = false;

/**
 * The glue prints through a console-backed `fs` stub; capture it instead, so a
 * Go panic cannot corrupt a generated file written to stdout.
 */
function captureGoOutput(g: GoGlobals): void {
  if (captured || !g.fs) return;
  captured = true;
  const decoder = new TextDecoder();
  g.fs.writeSync = (_fd: number, buf: Uint8Array) => {
    goOutput = (goOutput + decoder.decode(buf)).slice(-4096);
    return buf.length;
  };
}

/** Instantiates CUE from wasm bytes or an already compiled module. */
export async function createCueEngine(wasm: BufferSource | WebAssembly.Module): Promise<CueEngine> {
  const g = globalThis as GoGlobals;
  if (!g.Go) {
    throw new Error("Go's wasm runtime (wasm_exec.js from cue-wasm) is not loaded: use loadCue() of your host (host/)");
  }
  captureGoOutput(g);
  const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);

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

  /** Calls into Go; a panic ends the Go program, so a fresh instance is started for later calls. */
  const call = (fn: (api: CueApi) => { value: string; error: string | null }): CueResult => {
    if (go.exited) return { error: "internal: the CUE evaluator stopped (restarting)" };
    try {
      const r = fn(api);
      return r.error ? { error: String(r.error) } : { json: r.value };
    } catch (err) {
      restarting ??= start().finally(() => (restarting = undefined));
      const detail = goOutput.split("\n").find((l) => l.startsWith("panic:")) ?? String(err);
      return { error: `internal: the CUE evaluator crashed: ${detail}` };
    }
  };

  return {
    evaluate: (source) => call((a) => a._toJSONImpl(source)),
    openapi: (source) => call((a) => a._toOpenAPIImpl(source)),
  };
}
