/**
 * The HTTP API over TLS. Deno.serve cannot ask for client certificates, so
 * this one port runs on node:https, which can, and hands each request to the
 * same `Request → Response` handler as the plain port. Under mutual TLS only
 * /health stays open (probes carry no certificate); the rest needs the
 * operator's certificate.
 */
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { Buffer } from "node:buffer";
import { type Identity, identityOf } from "../tls/identity.ts";
import type { TlsMaterial } from "./tls_files.ts";

export interface HttpsServer {
  port: number;
  /** Serves new certificates to new connections. */
  update(material: TlsMaterial): void;
  close(): Promise<void>;
}

/** Paths any client may ask for under mutual TLS. */
const OPEN_PATHS = new Set(["/health"]);

export async function serveHttps(
  address: string,
  port: number,
  material: TlsMaterial,
  handler: (request: Request) => Response,
  onDenied: (path: string, caller: Identity | undefined) => void,
): Promise<HttpsServer> {
  const mutual = material.ca !== undefined;
  const server = https.createServer({
    ...context(material),
    // Asked for, not required: /health must answer a probe that has none.
    requestCert: mutual,
    rejectUnauthorized: false,
  }, async (req, res) => {
    let response: Response;
    try {
      const url = new URL(req.url ?? "/", "https://control-plane");
      const socket = req.socket as TLSSocket;
      const caller = socket.authorized ? identityOf(socket.getPeerCertificate().subjectaltname) : undefined;
      if (mutual && !OPEN_PATHS.has(url.pathname) && caller?.kind !== "operator") {
        onDenied(url.pathname, caller);
        response = new Response(
          `${url.pathname} needs the operator's client certificate (spiffe://flowctl/operator, made by flowctl tls certs); /health is open\n`,
          { status: 403 },
        );
      } else {
        response = handler(new Request(url, { method: req.method === "HEAD" ? "HEAD" : req.method }));
      }
    } catch {
      response = new Response("bad request\n", { status: 400 });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(req.method === "HEAD" ? undefined : Buffer.from(await response.arrayBuffer()));
  });
  server.on("tlsClientError", () => {}); // a failed handshake is the client's problem; it is told by TLS
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    update: (next) => server.setSecureContext(context(next)),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function context(m: TlsMaterial) {
  return { cert: m.cert, key: m.key, ca: m.ca };
}
