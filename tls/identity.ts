/**
 * Who a client certificate names. flowctl puts the identity in a URI
 * subject-alternative name in the SPIFFE form (spiffe://trust-domain/path),
 * which other tools already know how to read and issue:
 *   spiffe://flowctl/component/<component id>   a pipeline component
 *   spiffe://flowctl/operator                   an operator (list, query, deregister)
 * The certificate's common name says the same for people; only the URI counts.
 */

export const TRUST_DOMAIN = "flowctl";

export type Identity =
  | { kind: "component"; id: string }
  | { kind: "operator" };

export function identityUri(identity: Identity): string {
  return identity.kind === "operator"
    ? `spiffe://${TRUST_DOMAIN}/operator`
    : `spiffe://${TRUST_DOMAIN}/component/${encodeURIComponent(identity.id)}`;
}

/**
 * The identity in a peer certificate's subjectAltName text, as Node's TLS
 * gives it (`DNS:a, URI:spiffe://flowctl/component/x`); undefined when it
 * names none, or more than one (a certificate must not speak for two).
 */
export function identityOf(subjectAltName: string | undefined): Identity | undefined {
  const found: Identity[] = [];
  for (const entry of (subjectAltName ?? "").split(/,\s*/)) {
    if (!entry.startsWith("URI:")) continue;
    const identity = parseUri(entry.slice(4));
    if (identity) found.push(identity);
  }
  return found.length === 1 ? found[0] : undefined;
}

function parseUri(uri: string): Identity | undefined {
  const prefix = `spiffe://${TRUST_DOMAIN}/`;
  if (!uri.startsWith(prefix)) return undefined;
  const path = uri.slice(prefix.length);
  if (path === "operator") return { kind: "operator" };
  const m = /^component\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  try {
    return { kind: "component", id: decodeURIComponent(m[1]) };
  } catch {
    return undefined;
  }
}

export function describeIdentity(identity: Identity | undefined): string {
  return !identity ? "a client with no flowctl identity" : identity.kind === "operator" ? "the operator" : `component "${identity.id}"`;
}
