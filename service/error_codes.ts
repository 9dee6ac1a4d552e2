/**
 * The closed set of codes the service's error bodies carry, each with its
 * HTTP status; the README's service section has a row for each. A pipeline
 * with errors is not among them: that is an answer with diagnostics.
 */
export const SERVICE_ERROR_CODES = {
  invalid_json: { status: 400, meaning: "the body is not JSON" },
  invalid_utf8: { status: 400, meaning: "the body is not UTF-8" },
  invalid_request: { status: 400, meaning: "the body is not an object, a field has the wrong type, or a `prefix`, `registry` or `controlPlaneImage` no target can use" },
  unknown_field: { status: 400, meaning: "the body has a field the route does not take" },
  unknown_target: { status: 400, meaning: "no target has that name" },
  invalid_option: { status: 400, meaning: "the chosen target has no such option, or does not take that value" },
  not_found: { status: 404, meaning: "no such path" },
  method_not_allowed: { status: 405, meaning: "the path does not take that method; `Allow` lists those it takes" },
  body_timeout: { status: 408, meaning: "the body took longer than 10 s to arrive" },
  body_too_large: { status: 413, meaning: "the body is over 1 MiB (counted while reading, with or without Content-Length)" },
  unsupported_media_type: { status: 415, meaning: "the body is not sent as `application/json`" },
  internal: { status: 500, meaning: "a bug in flowctl" },
  busy: { status: 503, meaning: "every worker is taken and the queue is full, or the request waited its time out; `Retry-After` says when to retry" },
  time_budget: { status: 503, meaning: "compiling took longer than the time budget; the service gave up on it" },
} as const;

export type ServiceErrorCode = keyof typeof SERVICE_ERROR_CODES;

/** The "error" member of an error body. */
export interface ServiceError {
  code: ServiceErrorCode;
  message: string;
  /** What the client can do about it, where there is something. */
  hint?: string;
}
