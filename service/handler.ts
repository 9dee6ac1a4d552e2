/**
 * The web service as one fetch handler (Request → Response), so it runs under
 * Deno.serve, on Deno Deploy, or in a test without a socket:
 *   POST /v1/validate   {source, filename?}                  → {valid, diagnostics}
 *   POST /v1/translate  {source, filename?, target?, options?} → {target, files, diagnostics}
 *   GET  /v1/targets    the targets and their options
 *   GET  /              the playground page, GET /playground.js its script
 * A pipeline with errors is still an answer (validate 200, translate 422, both
 * with diagnostics); a request that is not understood is a 4xx with
 * {"error": {"code", "message"}}; a bug in flowctl is a 500 with the same
 * body, plus the diagnostics (E_INTERNAL says where it happened).
 */
import type { CueEngine } from "../compiler/cue.ts";
import { hasErrors, isInternal, sortDiagnostics } from "../compiler/diagnostics.ts";
import type { GeneratorOptions, GeneratorRegistry } from "../generators/generator.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { validate } from "../translate/compile.ts";
import { translate } from "../translate/translate.ts";

export interface ServiceOptions {
  cue: CueEngine;
  registry?: GeneratorRegistry;
  /** Largest request body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  /** The playground: its HTML and its bundled script. Without it, / is 404. */
  page?: { html: string; script: string };
  /** Told of unexpected failures (answered with 500). */
  onError?: (error: unknown) => void;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const REQUEST_FIELDS = {
  validate: ["source", "filename"],
  translate: ["source", "filename", "target", "options"],
} as const;

class RequestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

const INTERNAL = { code: "internal", message: "flowctl failed on this request; this is a bug, please report it" };

/** 500 with the error body every failure has, and what is known of where it happened. */
function internal(details: Record<string, unknown> = {}): Response {
  return json(500, { error: INTERNAL, ...details });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The body as text, refusing more than `max` bytes whether or not Content-Length says so. */
async function readBody(request: Request, max: number): Promise<string> {
  const tooLarge = () => new RequestError(413, "body_too_large", `the request body is larger than ${max} bytes`);
  if (Number(request.headers.get("content-length") ?? 0) > max) throw tooLarge();
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.length;
    if (size > max) throw tooLarge();
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.length) - c.length);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RequestError(400, "invalid_utf8", "the request body is not UTF-8");
  }
}

interface PipelineRequest {
  source: string;
  filename: string;
  target?: string;
  options?: GeneratorOptions;
}

/** Checks the JSON request: known fields only, each of its type. */
function parseRequest(text: string, fields: readonly string[], registry: GeneratorRegistry): PipelineRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new RequestError(400, "invalid_json", `the request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RequestError(400, "invalid_request", 'the request body must be a JSON object such as {"source": "..."}');
  }
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !fields.includes(k));
  if (unknown !== undefined) {
    throw new RequestError(400, "unknown_field", `unknown field "${unknown}"; the fields are ${fields.join(", ")}`);
  }
  if (typeof b.source !== "string") throw new RequestError(400, "invalid_request", '"source" must be a string: the pipeline text');
  if (b.filename !== undefined && (typeof b.filename !== "string" || b.filename === "")) {
    throw new RequestError(400, "invalid_request", '"filename" must be a non-empty string');
  }
  if (b.target !== undefined && (typeof b.target !== "string" || !registry.get(b.target))) {
    throw new RequestError(400, "unknown_target", `"target" must be one of ${registry.names().join(", ")}`);
  }
  const options = b.options;
  if (options !== undefined) {
    const scalar = (v: unknown) => ["string", "number", "boolean"].includes(typeof v);
    if (typeof options !== "object" || options === null || Array.isArray(options) || !Object.values(options).every(scalar)) {
      throw new RequestError(400, "invalid_request", '"options" must be an object of target options, e.g. {"namespace": "data"}');
    }
  }
  return {
    source: b.source,
    filename: (b.filename as string | undefined) ?? "pipeline.yaml",
    target: b.target as string | undefined,
    options: options as GeneratorOptions | undefined,
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
    return { name, description: g.description, options: g.options ?? [] };
  });

  // Maps, not object literals: the path and the method come from the request, and a
  // lookup on an object would also find what every object inherits (constructor, __proto__).
  const routes = new Map<string, Route>([
    ["/v1/validate", route("POST", async (request) => {
      const req = parseRequest(await readJsonBody(request), REQUEST_FIELDS.validate, registry);
      const result = validate(req.source, { filename: req.filename, cue: options.cue });
      if (isInternal(result.diagnostics)) return internal({ diagnostics: result.diagnostics });
      return json(200, { valid: !hasErrors(result.diagnostics), diagnostics: result.diagnostics });
    })],
    ["/v1/translate", route("POST", async (request) => {
      const req = parseRequest(await readJsonBody(request), REQUEST_FIELDS.translate, registry);
      const result = translate({
        pipelines: [{ name: req.filename, text: req.source }],
        targets: req.target === undefined ? undefined : [req.target],
        options: req.options,
        cue: options.cue,
        registry,
      });
      if (result.problems.length) {
        throw new RequestError(400, "invalid_option", result.problems.map((p) => p.message).join("; "));
      }
      const file = result.files[0];
      const target = file.targets[0];
      const diagnostics = sortDiagnostics([...file.diagnostics, ...target.diagnostics]);
      const files = hasErrors(diagnostics) ? [] : target.files.map((f) => ({ path: f.path, content: f.content }));
      if (isInternal(diagnostics)) return internal({ target: target.target, files: [], diagnostics });
      return json(hasErrors(diagnostics) ? 422 : 200, { target: target.target, files, diagnostics });
    })],
    ["/v1/targets", route("GET", () => json(200, { targets }))],
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
      throw new RequestError(415, "unsupported_media_type", "send the request as Content-Type: application/json");
    }
    return await readBody(request, max);
  }

  return async (request) => {
    const path = new URL(request.url).pathname;
    const methods = routes.get(path);
    try {
      if (!methods) throw new RequestError(404, "not_found", `no such path: ${path}; the API is under /v1/`);
      const answer = methods.get(request.method);
      if (!answer) {
        const allow = [...methods.keys()].join(", ");
        throw new RequestError(405, "method_not_allowed", `${path} takes ${allow}`, { allow });
      }
      return await answer(request);
    } catch (err) {
      if (err instanceof RequestError) return json(err.status, { error: { code: err.code, message: err.message } }, err.headers);
      options.onError?.(err);
      return internal();
    }
  };
}
