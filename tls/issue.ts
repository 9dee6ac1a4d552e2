/**
 * Issues what a small deployment needs, on this machine: a CA, the control
 * plane's server certificate and a client certificate per identity. Keys are
 * ECDSA P-256 made by Web Crypto; @peculiar/x509 writes the certificates (no
 * hand-made ASN.1). The CA's key signs here and is never mounted anywhere.
 */
import "reflect-metadata"; // @peculiar/x509's dependency injection needs it loaded first
import * as x509 from "@peculiar/x509";
import { type Identity, identityUri } from "./identity.ts";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface Pem {
  cert: string;
  key: string;
}

export interface Validity {
  now: Date;
  days: number;
}

export interface Leaf {
  commonName: string;
  /** Server names (DNS names or IP addresses) a client may dial; a server certificate when given. */
  serverNames?: string[];
  /** Who a client certificate speaks for. */
  identity?: Identity;
}

export async function newCa(commonName: string, validity: Validity): Promise<Pem> {
  const keys = await generate();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [commonName] }],
    ...window(validity),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString("pem") + "\n", key: await keyPem(keys.privateKey) };
}

/** A certificate signed by `ca` (a CA this module made: ECDSA P-256). */
export async function issue(ca: Pem, leaf: Leaf, validity: Validity): Promise<Pem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = await generate();
  const names: x509.JsonGeneralNames = [
    ...(leaf.serverNames ?? []).map((name) => ({ type: isIp(name) ? "ip" as const : "dns" as const, value: name })),
    ...(leaf.identity ? [{ type: "url" as const, value: identityUri(leaf.identity) }] : []),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ CN: [leaf.commonName] }],
    issuer: caCert.subject,
    ...window(validity),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([leaf.serverNames ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names, true),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString("pem") + "\n", key: await keyPem(keys.privateKey) };
}

function generate(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY") + "\n";
}

async function importKey(pem: string): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(pem), ALGORITHM, false, ["sign"]);
  } catch {
    throw new Error("the CA key is not an ECDSA P-256 key in PKCS#8 PEM form (flowctl tls makes such a CA)");
  }
}

/** Backdated a minute, so a certificate made now is valid on a machine whose clock is slightly behind. */
function window({ now, days }: Validity): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + days * 86_400_000) };
}

/** 16 random bytes, the first below 0x80 so the number is positive. */
function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function isIp(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":");
}
