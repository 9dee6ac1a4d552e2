/**
 * Long lists come in pages, so no reply grows past what a client accepts
 * (gRPC's default is 4 MiB): a page holds items up to PAGE.maxBytes of them
 * as stored (always at least one), and at most `page_size` of them when the
 * client asks for fewer (0: no count limit). Items are in key order (code
 * units, unless another order is given); the token for the next page names the
 * last key given, so a list changing between pages neither repeats nor skips
 * the items that stayed.
 */
import { ControlPlaneError } from "./registry.ts";

export const PAGE = {
  /** A quarter of gRPC's default 4 MiB: the encoded reply stays well under it. */
  maxBytes: 1 << 20,
} as const;

export interface Page<T> {
  items: T[];
  /** "" when this is the last page. */
  nextToken: string;
}

const TOKEN_PREFIX = "after:";

/**
 * One page of `sorted` (in ascending `key` order by `compare`), from the
 * request's size and token. `compare` may throw a ControlPlaneError for a key
 * it cannot read: the token's key comes from the client.
 */
export function pageOf<T>(
  sorted: readonly T[],
  request: { size: number; token: string },
  key: (item: T) => string,
  bytes: (item: T) => number,
  compare: (a: string, b: string) => number = codeUnitOrder,
): Page<T> {
  if (!Number.isInteger(request.size) || request.size < 0) {
    throw new ControlPlaneError("INVALID_ARGUMENT", "page_size must be 0 (as many as fit) or more");
  }
  const size = request.size || Infinity;
  const after = request.token ? tokenKey(request.token) : undefined;
  let start = 0;
  if (after !== undefined) { while (start < sorted.length && compare(key(sorted[start]), after) <= 0) start++; }
  const items: T[] = [];
  let used = 0;
  for (let i = start; i < sorted.length && items.length < size; i++) {
    const b = bytes(sorted[i]);
    if (items.length > 0 && used + b > PAGE.maxBytes) break;
    items.push(sorted[i]);
    used += b;
  }
  const more = start + items.length < sorted.length;
  return { items, nextToken: more ? pageToken(key(items[items.length - 1])) : "" };
}

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The error for a token this server did not give. */
export function badPageToken(): ControlPlaneError {
  return new ControlPlaneError("INVALID_ARGUMENT", "page_token is not one this server gave");
}

export function pageToken(lastKey: string): string {
  const bytes = new TextEncoder().encode(TOKEN_PREFIX + lastKey);
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function tokenKey(token: string): string {
  try {
    const binary = atob(token.replaceAll("-", "+").replaceAll("_", "/"));
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
    if (text.startsWith(TOKEN_PREFIX)) return text.slice(TOKEN_PREFIX.length);
  } catch {
    // Falls through to the error below.
  }
  throw badPageToken();
}
