/**
 * The CUE evaluator: flowctl's own validator (cue/, CUE's Go evaluator built
 * to WebAssembly). The host hands over the wasm bytes or a compiled module and
 * Go's runtime (cue/runtime.ts; see host/: each runtime finds both its own
 * way), so this module reads no files.
 */

/** One problem CUE found in a document: where (field names and list indexes) and CUE's words. */
export interface CueProblem {
  path: (string | number)[];
  message: string;
  /** The alternatives' own errors, for "N errors in empty disjunction". */
  details?: string[];
}

/** A check: one list of problems per document (empty when it is valid), or why CUE could not check. */
export interface CueCheck {
  problems?: CueProblem[][];
  error?: string;
}

/** An answer that is a text (the OpenAPI document), or why there is none. */
export interface CueResult {
  json?: string;
  error?: string;
}

export interface CueEngine {
  /**
   * Checks documents (a JSON list) against a definition of a CUE schema,
   * every problem of every document in one call. Never throws for bad input.
   */
  check(schema: string, definition: string, documents: string): CueCheck;
  /** The definitions of a CUE schema as an OpenAPI 3 document (CUE's own encoder). */
  openapi(schema: string): CueResult;
}

interface GoInstance {
  importObject: WebAssembly.Imports;
  env: Record<string, string>;
  exited: boolean;
  exit: (code: number) => void;
  run(instance: WebAssembly.Instance): Promise<void>;
}

/** What cue/main.go puts on the global object: strings in, a JSON text out. */
interface CueApi {
  check(schema: string, definition: string, documents: string): string;
  openapi(schema: string): string;
}

/** Go's runtime class, as wasm_exec.js defines it. */
export type GoRuntimeClass = new () => GoInstance;

type GoGlobals = typeof globalThis & {
  flowctlCue?: CueApi;
  fs?: { writeSync(fd: number, buf: Uint8Array): number };
};

/**
 * Go's collector runs when the heap has grown by GOGC percent. 400 means far
 * fewer collections than 100 while a long-lived service still frees memory;
 * the peak memory of a run measured the same either way (Go's heap is small
 * beside the module and V8's code).
 */
const GO_ENV = { GOGC: "400" };

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

/** Instantiates the validator from wasm bytes or an already compiled module. */
export async function createCueEngine(wasm: BufferSource | WebAssembly.Module, runtime: unknown): Promise<CueEngine> {
  const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
  const go = newGo(runtime);
  // Asynchronous instantiation: browsers refuse the synchronous one for large modules.
  return engine(module, runtime, { go, instance: await WebAssembly.instantiate(module, go.importObject) });
}

/**
 * Starts the validator from a compiled module, synchronously: the Go program's
 * main runs until it waits for calls, so the engine is ready on return (a
 * cache can start it at the moment an answer turns out not to be cached).
 */
export function startCueEngine(module: WebAssembly.Module, runtime: unknown): CueEngine {
  return engine(module, runtime);
}

function newGo(runtime: unknown): GoInstance {
  if (typeof runtime !== "function") {
    throw new Error("Go's wasm runtime (cue/runtime.ts) is not loaded: use loadCue() of your host (host/)");
  }
  const go = new (runtime as GoRuntimeClass)();
  go.env = { ...GO_ENV };
  go.exit = () => {};
  return go;
}

function engine(
  module: WebAssembly.Module,
  runtime: unknown,
  first?: { go: GoInstance; instance: WebAssembly.Instance },
): CueEngine {
  const g = globalThis as GoGlobals;
  captureGoOutput(g);
  let go: GoInstance;
  let api: CueApi | undefined;
  const start = (ready?: { go: GoInstance; instance: WebAssembly.Instance }) => {
    api = undefined;
    const next = ready?.go ?? newGo(runtime);
    // Synchronous on a restart; where that is refused (a browser, for a module this large), the
    // engine answers with an error from then on instead of throwing.
    const instance = ready?.instance ?? new WebAssembly.Instance(module, next.importObject);
    delete g.flowctlCue;
    go = next;
    void go.run(instance); // resolves only when the Go program exits
    if (!g.flowctlCue) throw new Error("the CUE evaluator did not start");
    api = g.flowctlCue;
  };
  start(first);
  const restart = () => {
    try {
      start();
    } catch { /* api stays undefined: later calls answer with an error */ }
  };
  /** Calls into Go; a crash ends the Go program, so a fresh instance is started for later calls. */
  const call = (fn: (api: CueApi) => string): { result?: unknown; error?: string } => {
    if (go.exited) restart();
    if (!api) return { error: "internal: the CUE evaluator stopped and could not be started again" };
    goOutput = "";
    try {
      return JSON.parse(fn(api));
    } catch (err) {
      restart(); // a fresh Go program for later calls
      const detail = goOutput.split("\n").find((l) => /^(panic|fatal error):/.test(l)) ?? String(err);
      return { error: `internal: the CUE evaluator crashed: ${detail}` };
    }
  };

  return {
    check(schema, definition, documents) {
      const answer = call((a) => a.check(schema, definition, documents));
      return answer.error !== undefined ? { error: answer.error } : { problems: answer.result as CueProblem[][] };
    },
    openapi(schema) {
      const answer = call((a) => a.openapi(schema));
      return answer.error !== undefined ? { error: answer.error } : { json: JSON.stringify(answer.result) };
    },
  };
}
