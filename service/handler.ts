/**
 * The web service as one fetch handler (Request → Response), so it runs under
 * Deno.serve, on Deno Deploy, or in a test without a socket:
 *   POST /v1/validate   {source, filename?}                  → {valid, diagnostics}
 *   POST /v1/translate  {source, filename?, target?, options?, prefix?, registry?} → {target, files, diagnostics}
 *   GET  /v1/targets    the targets and their options
 *   GET  /              the playground page, GET /playground.js its script
 * A pipeline with errors is still an answer (validate 200, translate 422, both
 * with diagnostics); a request that is not understood is a 4xx with
 * {"error": {"code", "message", "hint"?}} (error_codes.ts); a bug in flowctl
 * is a 500 with the same body, plus the diagnostics (E_INTERNAL says where it
 * happened). Compilations go to a runner (runner.ts): in process by default,
 * a worker pool with a time budget under server.ts; a runner that is full or
 * out of time makes the answer a 503.
 */
import type { CueEngine } from "../compiler/cue.ts";
import type { GeneratorOptions, GeneratorRegistry } from "../generators/generator.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { controlPlaneImageProblem, prefixProblem, registryProblem } from "../translate/prefix_registry.ts";
import { type Answer, errorAnswer, INTERNAL, jsonAnswer, toResponse } from "./answer.ts";
import type { CompileJob } from "./compile_job.ts";
import type { ServiceError } from "./error_codes.ts";
import { type CompileRunner, inProcessRunner, RETRY_AFTER_SECONDS, type RunOutcome } from "./runner.ts";

/** Compiles with the CUE given, on the calling thread, or with the runner given (server.ts: a worker pool). */
export type ServiceOptions = ServiceShell & ({ cue: CueEngine; runner?: undefined } | { runner: CompileRunner; cue?: undefined });

interface ServiceShell {
  /** Checks targets and lists them; a runner compiles with its own (the default registry in workers). */
  registry?: GeneratorRegistry;
  /** Largest request body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  /** Longest a request body may take to arrive, in ms; default 10 s. */
  bodyTimeoutMs?: number;
  /** The playground: its HTML and its bundled script. Without it, / is 404. */
  page?: { html: string; script: string };
  /** Told of unexpected failures (answered with 500). */
  onError?: (error: unknown) => void;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_BODY_TIMEOUT_MS = 10_000;
const REQUEST_FIELDS = {
  validate: ["source", "filename"],
  translate: ["source", "filename", "target", "options", "prefix", "registry", "controlPlaneImage"],
} as const;

/** A request the service does not take: thrown while reading it, answered with its error body. */
class RequestError extends Error {
  constructor(readonly error: ServiceError, readonly headers?: Record<string, string>) {
    super(error.message);
  }
}

/** What the client gets for what became of its job. */
function outcomeAnswer(outcome: RunOutcome, onError: ((error: unknown) => void) | undefined): Answer {
  switch (outcome.kind) {
    case "answered":
      return outcome.answer;
    case "busy":
      return errorAnswer({
        code: "busy",
        message: "the service is compiling as many pipelines as it takes at once",
        hint: `send the request again after ${outcome.retryAfterSeconds} s (Retry-After)`,
      }, {}, { "retry-after": String(outcome.retryAfterSeconds) });
    case "over_budget":
      // 503, not 422: the budget is the service's limit, measured in time, not a fault of the pipeline,
      // which the CLI compiles (and a 422 carries diagnostics, which are the same on every run).
      return errorAnswer({
        code: "time_budget",
        message: `compiling this pipeline took longer than the service's time budget (${outcome.budgetMs / 1000} s); the service gave up on it`,
        hint: "the CLI has no time budget: flowctl validate or translate compiles it locally; or split the pipeline into smaller ones",
      });
    case "failed":
      onError?.(outcome.error);
      return errorAnswer(INTERNAL);
  }
}

/**
 * The body as text, refusing more than `max` bytes whether or not Content-Length
 * says so, and a body that takes longer than `timeoutMs` to arrive: a request
 * holds one of the runner's places while it is read.
 */
async function readBody(request: Request, max: number, timeoutMs: number): Promise<string> {
  const tooLarge = () => new RequestError({ code: "body_too_large", message: `the request body is larger than ${max} bytes` });
  if (Number(request.headers.get("content-length") ?? 0) > max) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  let late = false;
  const timer = setTimeout(() => (late = true, reader.cancel().catch(() => {})), timeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      size += r.value.length;
      if (size > max) {
        await reader.cancel(); // the rest is not wanted
        throw tooLarge();
      }
      chunks.push(r.value);
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
  if (late) throw new RequestError({ code: "body_timeout", message: `the request body took longer than ${timeoutMs / 1000} s to arrive` });
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.length) - c.length);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RequestError({ code: "invalid_utf8", message: "the request body is not UTF-8" });
  }
}

/** Checks the JSON request: known fields only, each of its type. */
function parseRequest(text: string, route: CompileJob["route"], registry: GeneratorRegistry): CompileJob {
  const fields: readonly string[] = REQUEST_FIELDS[route];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new RequestError({ code: "invalid_json", message: `the request body is not JSON: ${(err as Error).message}` });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RequestError({ code: "invalid_request", message: 'the request body must be a JSON object such as {"source": "..."}' });
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !fields.includes(k));
  if (unknown !== undefined) {
    throw new RequestError({ code: "unknown_field", message: `unknown field "${unknown}"; the fields are ${fields.join(", ")}` });
  }
  if (typeof b.source !== "string") throw new RequestError({ code: "invalid_request", message: '"source" must be a string: the pipeline text' });
  if (b.filename !== undefined && (typeof b.filename !== "string" || b.filename === "")) {
    throw new RequestError({ code: "invalid_request", message: '"filename" must be a non-empty string' });
  }
  if (b.target !== undefined && (typeof b.target !== "string" || !registry.get(b.target))) {
    throw new RequestError({ code: "unknown_target", message: `"target" must be one of ${registry.names().join(", ")}` });
  }
  const options = b.options;
  if (options !== undefined) {
    const scalar = (v: unknown) => ["string", "number", "boolean"].includes(typeof v);
    if (typeof options !== "object" || options === null || Array.isArray(options) || !Object.values(options).every(scalar)) {
      throw new RequestError({ code: "invalid_request", message: '"options" must be an object of target options, e.g. {"namespace": "data"}' });
    }
  }
  // The CLI's --prefix and --registry: checked here, before a worker is taken, as translate() would.
  for (const [field, problem] of [["prefix", prefixProblem], ["registry", registryProblem], ["controlPlaneImage", controlPlaneImageProblem]] as const) {
    const value = b[field];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new RequestError({ code: "invalid_request", message: `"${field}" must be a string` });
    const message = problem(value);
    if (message) throw new RequestError({ code: "invalid_request", message });
  }
  return {
    route,
    source: b.source,
    filename: (b.filename as string | undefined) ?? "pipeline.yaml",
    target: b.target as string | undefined,
    options: options as GeneratorOptions | undefined,
    ...(b.prefix !== undefined && { prefix: b.prefix as string }),
    ...(b.registry !== undefined && { imageRegistry: b.registry as string }),
    ...(b.controlPlaneImage !== undefined && { controlPlaneImage: b.controlPlaneImage as string }),
  };
}

/** What a path answers, by request method. */
type Route = ReadonlyMap<string, (request: Request) => Promise<Response> | Response>;

function route(method: string, answer: (request: Request) => Promise<Response> | Response): Route {
  return new Map([[method, answer]]);
}

export function createHandler(options: ServiceOptions): (request: Request) => Promise<Response> {
  const registry = options.registry ?? defaultRegistry();
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const targets = registry.names().map((name) => {
    const g = registry.get(name)!;
    return { name, description: g.description, options: g.options ?? [], ...(g.prefix !== undefined && { prefix: g.prefix }) };
  });

  const runner = options.runner ?? inProcessRunner({ cue: options.cue, registry });
  /** Compile requests between arriving and being answered: bounded by the runner's capacity, bodies included. */
  let inFlight = 0;

  async function compile(request: Request, kind: CompileJob["route"]): Promise<Answer> {
    if (inFlight >= (runner.capacity ?? Infinity)) {
      // Refused before its body is read, so a flood of requests holds no memory.
      return outcomeAnswer({ kind: "busy", retryAfterSeconds: RETRY_AFTER_SECONDS }, options.onError);
    }
    inFlight++;
    try {
      const job = parseRequest(await readJsonBody(request), kind, registry);
      return outcomeAnswer(await runner.run(job), options.onError);
    } finally {
      inFlight--;
    }
  }

  // Maps, not object literals: the path and the method come from the request, and a
  // lookup on an object would also find what every object inherits (constructor, __proto__).
  const routes = new Map<string, Route>([
    ["/v1/validate", route("POST", async (request) => toResponse(await compile(request, "validate")))],
    ["/v1/translate", route("POST", async (request) => toResponse(await compile(request, "translate")))],
    ["/v1/targets", route("GET", () => toResponse(jsonAnswer(200, { targets })))],
  ]);
  if (options.page) {
    const { html, script } = options.page;
    // The page loads only its own script; styles are inline in the HTML.
    const csp = "default-src 'self'; style-src 'self' 'unsafe-inline'";
    routes.set("/", route("GET", () => new Response(html, { headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": csp } })));
    routes.set("/favicon.ico", route("GET", () => new Response(null, { status: 204 }))); // browsers ask; there is none
    routes.set("/playground.js", route("GET", () => new Response(script, { headers: { "content-type": "text/javascript; charset=utf-8" } })));
  }

  async function readJsonBody(request: Request): Promise<string> {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new RequestError({ code: "unsupported_media_type", message: "send the request as Content-Type: application/json" });
    }
    return await readBody(request, max, options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
  }

  return async (request) => {
    const path = new URL(request.url).pathname;
    const methods = routes.get(path);
    try {
      if (!methods) throw new RequestError({ code: "not_found", message: `no such path: ${path}; the API is under /v1/` });
      const answer = methods.get(request.method);
      if (!answer) {
        const allow = [...methods.keys()].join(", ");
        throw new RequestError({ code: "method_not_allowed", message: `${path} takes ${allow}` }, { allow });
      }
      return await answer(request);
    } catch (err) {
      if (err instanceof RequestError) return toResponse(errorAnswer(err.error, {}, err.headers));
      options.onError?.(err);
      return toResponse(errorAnswer(INTERNAL));
    }
  };
}
