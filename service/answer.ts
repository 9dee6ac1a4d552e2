/**
 * What the service answers, as data: a status and a JSON body that is already
 * text. A compilation answered by a worker crosses to the main thread as this
 * text, so the client gets the same bytes whichever thread compiled.
 */
import { SERVICE_ERROR_CODES, type ServiceError } from "./error_codes.ts";

export interface Answer {
  status: number;
  /** JSON, ending in a newline. */
  body: string;
  headers?: Record<string, string>;
}

export function jsonAnswer(status: number, value: unknown, headers?: Record<string, string>): Answer {
  return { status, body: JSON.stringify(value, null, 2) + "\n", headers };
}

/** `{"error": {code, message, hint?}}` with the code's status, plus what else is known (an internal error's diagnostics). */
export function errorAnswer(error: ServiceError, details: Record<string, unknown> = {}, headers?: Record<string, string>): Answer {
  return jsonAnswer(SERVICE_ERROR_CODES[error.code].status, { error, ...details }, headers);
}

export const INTERNAL: ServiceError = { code: "internal", message: "flowctl failed on this request; this is a bug, please report it" };

export function toResponse(answer: Answer): Response {
  return new Response(answer.body, {
    status: answer.status,
    headers: { "content-type": "application/json; charset=utf-8", ...answer.headers },
  });
}
