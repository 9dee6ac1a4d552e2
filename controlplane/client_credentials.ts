/**
 * How a component connects to the control plane, from the env every target
 * gives it: plain when FLOWCTL_TLS_CA is unset; else TLS trusting that CA,
 * checking the name FLOWCTL_TLS_SERVER_NAME (the endpoint may be an IP), and
 * presenting FLOWCTL_TLS_CERT with FLOWCTL_TLS_KEY when they are set (mutual
 * TLS). flowctl's own test components and benchmark connect this way; other
 * clients do the same with their gRPC stack.
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";

export interface ClientConnection {
  credentials: grpc.ChannelCredentials;
  options: grpc.ChannelOptions;
}

export function clientConnection(
  env: (name: string) => string | undefined,
  read: (path: string) => Uint8Array,
): ClientConnection {
  const ca = env("FLOWCTL_TLS_CA");
  if (!ca) return { credentials: grpc.credentials.createInsecure(), options: {} };
  const cert = env("FLOWCTL_TLS_CERT");
  const key = env("FLOWCTL_TLS_KEY");
  const file = (path: string) => Buffer.from(read(path));
  const serverName = env("FLOWCTL_TLS_SERVER_NAME");
  return {
    credentials: grpc.credentials.createSsl(file(ca), key ? file(key) : null, cert ? file(cert) : null),
    options: serverName ? { "grpc.ssl_target_name_override": serverName, "grpc.default_authority": serverName } : {},
  };
}
