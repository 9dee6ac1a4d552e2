/**
 * Checks the control plane's TLS files before it serves with them (at
 * start-up, and again on every rotation): each file holds what its flag says,
 * the key belongs to the certificate, and nothing has expired. A problem is
 * an error that names the file and says what to do, never a failed handshake
 * later.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";

/** The files' paths, and the flag each came from (for messages). */
export interface TlsPaths {
  cert: string;
  key: string;
  /** With a CA, clients must present a certificate it signed (mutual TLS). */
  ca?: string;
}

/** The files' contents, checked; what the servers are given. */
export interface TlsMaterial {
  cert: string;
  key: string;
  ca?: string;
  /** When the server certificate expires. */
  notAfter: Date;
}

export class TlsFileError extends Error {}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Checks the texts read from `paths` at `now`; throws TlsFileError naming the file at fault. */
export function checkTls(paths: TlsPaths, texts: { cert: string; key: string; ca?: string }, now: Date): TlsMaterial {
  const [leaf] = certificates(paths.cert, texts.cert, now);
  let key;
  try {
    key = createPrivateKey(texts.key);
  } catch {
    throw new TlsFileError(`${paths.key} holds no private key in PEM form`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new TlsFileError(`the key in ${paths.key} does not belong to the certificate in ${paths.cert}; give the key made with it`);
  }
  if (paths.ca !== undefined) certificates(paths.ca, texts.ca ?? "", now);
  return { cert: texts.cert, key: texts.key, ca: texts.ca, notAfter: new Date(leaf.validTo) };
}

/** Every certificate in a PEM file, each within its validity; at least one. */
function certificates(path: string, text: string, now: Date): X509Certificate[] {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (!blocks.length) throw new TlsFileError(`${path} holds no certificate (no "BEGIN CERTIFICATE" block)`);
  return blocks.map((block, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (err) {
      throw new TlsFileError(`certificate ${i + 1} in ${path} cannot be read: ${(err as Error).message}`);
    }
    const which = blocks.length > 1 ? `certificate ${i + 1} in ${path} (${cert.subject})` : `the certificate in ${path}`;
    if (new Date(cert.validTo) < now) throw new TlsFileError(`${which} expired on ${new Date(cert.validTo).toISOString()}; issue a new one`);
    if (new Date(cert.validFrom) > now) {
      throw new TlsFileError(`${which} is not valid before ${new Date(cert.validFrom).toISOString()}; check this machine's clock`);
    }
    return cert;
  });
}
