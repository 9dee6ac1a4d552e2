/**
 * The control plane's TLS files on disk: read and checked at start-up, then
 * read again every few seconds so that a renewed certificate is served
 * without a restart. A change that does not check out (a key written before
 * its certificate, an expired file) is logged and the previous files stay in
 * use until a later read checks out.
 */
import type { experimental } from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { checkTls, type TlsMaterial, type TlsPaths } from "../tls/check.ts";

export type { TlsMaterial, TlsPaths };

/** How often the files are read again: often enough for a rotation, rarely enough to cost nothing. */
export const DEFAULT_TLS_RELOAD_MS = 10_000;

/** Reads and checks the files; throws an Error that names the file at fault. */
export function readTls(paths: TlsPaths, now = new Date()): TlsMaterial {
  return checkTls(paths, texts(paths), now);
}

/** Reads the files every `everyMs` and hands a checked change to `onChange`; returns the stop function. */
export function watchTls(
  paths: TlsPaths,
  current: TlsMaterial,
  onChange: (material: TlsMaterial) => void,
  log: (line: string) => void,
  everyMs = DEFAULT_TLS_RELOAD_MS,
): () => void {
  let seen = key(current);
  const timer = setInterval(() => {
    let read;
    try {
      read = texts(paths);
    } catch (err) {
      return remember(`TLS: ${(err as Error).message}; still serving the certificate read before`);
    }
    said = "";
    if (key(read) === seen) return;
    seen = key(read);
    try {
      const material = checkTls(paths, read, new Date());
      onChange(material);
      log(`TLS: ${paths.cert} changed; now serving a certificate valid until ${material.notAfter.toISOString()}`);
    } catch (err) {
      log(`TLS: the files changed but cannot be used: ${(err as Error).message}; still serving the ones read before`);
    }
  }, everyMs);
  // A missing file is said once, not every round.
  let said = "";
  function remember(line: string) {
    if (line !== said) log(said = line);
  }
  return () => clearInterval(timer);
}

function texts(paths: TlsPaths): { cert: string; key: string; ca?: string } {
  return { cert: read(paths.cert), key: read(paths.key), ca: paths.ca === undefined ? undefined : read(paths.ca) };
}

function read(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function key(t: { cert: string; key: string; ca?: string }): string {
  return `${t.cert}\u0000${t.key}\u0000${t.ca ?? ""}`;
}

type Listener<T> = (update: T | null) => void;

/**
 * The files as grpc-js takes certificates that may change: it listens for
 * the CA and for the certificate with its key, and serves what it was told
 * last to every new connection.
 */
export class CertificateSource implements experimental.CertificateProvider {
  private ca = new Set<Listener<experimental.CaCertificateUpdate>>();
  private identity = new Set<Listener<experimental.IdentityCertificateUpdate>>();
  constructor(private material: TlsMaterial) {}

  update(material: TlsMaterial): void {
    this.material = material;
    for (const listener of this.ca) listener(this.caUpdate());
    for (const listener of this.identity) listener(this.identityUpdate());
  }
  addCaCertificateListener(listener: Listener<experimental.CaCertificateUpdate>): void {
    this.ca.add(listener);
    // Told after the call returns: grpc-js adds its own watcher only after adding this listener.
    queueMicrotask(() => this.ca.has(listener) && listener(this.caUpdate()));
  }
  removeCaCertificateListener(listener: Listener<experimental.CaCertificateUpdate>): void {
    this.ca.delete(listener);
  }
  addIdentityCertificateListener(listener: Listener<experimental.IdentityCertificateUpdate>): void {
    this.identity.add(listener);
    queueMicrotask(() => this.identity.has(listener) && listener(this.identityUpdate()));
  }
  removeIdentityCertificateListener(listener: Listener<experimental.IdentityCertificateUpdate>): void {
    this.identity.delete(listener);
  }
  private caUpdate(): experimental.CaCertificateUpdate | null {
    return this.material.ca === undefined ? null : { caCertificate: Buffer.from(this.material.ca) };
  }
  private identityUpdate(): experimental.IdentityCertificateUpdate {
    return { certificate: Buffer.from(this.material.cert), privateKey: Buffer.from(this.material.key) };
  }
}
