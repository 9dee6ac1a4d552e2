/**
 * What the pipeline format itself says, beyond its CUE schema: where
 * components live, how a registry `type` names an image, how ports are found
 * in env, and the defaults of the control plane. Graph checks and normalize
 * both follow these rules, so they are written once, here.
 */
import type { ComponentKind } from "./ir.ts";

/** The four component lists of `spec`, in the order their components are numbered. */
export const SECTIONS: readonly { key: "sources" | "processors" | "sinks" | "pipelines"; kind: ComponentKind }[] = [
  { key: "sources", kind: "source" },
  { key: "processors", kind: "processor" },
  { key: "sinks", kind: "sink" },
  { key: "pipelines", kind: "pipeline" },
];

/** `spec.controlPlane` when the user says nothing. */
export const CONTROL_PLANE_DEFAULTS = {
  image: "flowctl/control-plane:0.1.0",
  port: 8080,
  heartbeatInterval: "10s",
  heartbeatTTL: "30s",
  storage: "flowctl-control-plane-data",
} as const;

/** `spec.controlPlane.tls` fields the user leaves out. */
export const TLS_DEFAULTS = { mode: "mutual", dir: "tls" } as const;

/** How often and how patiently every target probes a health endpoint (the format has no fields for it yet). */
export const HEALTH_TIMING = {
  intervalSeconds: 10,
  timeoutSeconds: 5,
  retries: 3,
  startPeriodSeconds: 10,
} as const;

/** The strictest name any target needs (a DNS-1123 label): lower case, digits, '-', ≤ 63. */
export function dnsLabel(id: string): string {
  const s = id.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
  return s === "" ? "component" : /^[a-z]/.test(s) ? s : `c-${s}`.slice(0, 63);
}

/** An env var name part: upper case, every non-alphanumeric as '_' (`my-src` → `MY_SRC`). */
export function envName(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** `name@version` or `org/name@version` names an image in the component registry. */
export function isRegistryType(type: unknown): type is string {
  return typeof type === "string" && /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)?@[A-Za-z0-9._-]+$/.test(type);
}

/** `name@v1` → `docker.io/withobsrvr/name:v1`; `org/name@v1` → `docker.io/org/name:v1`. */
export function registryImage(type: string): string {
  const [ref, version] = type.split("@");
  const path = ref.includes("/") ? ref : `withobsrvr/${ref}`;
  return `docker.io/${path}:${version}`;
}

/** A port from env text: `":50051"`, `"localhost:50052"`, `"50052"`, or a number. */
export function portFromText(value: unknown): number | undefined {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : "";
  const m = /^(?:[^:]*:)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[1]) : NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** The env keys that name a component's serving port, in the order they are looked at. */
export const SERVING_PORT_KEYS = ["PORT", "GRPC_PORT"] as const;
/** The env key that names a component's health port when `health_port` does not. */
export const HEALTH_PORT_KEY = "HEALTH_PORT";

/** The port of a component's health endpoint: `health_port`, else HEALTH_PORT in env. */
export function healthPortOf(component: { health_port?: unknown; env?: unknown }): number | undefined {
  if (typeof component.health_port === "number") return component.health_port;
  const env = component.env;
  return typeof env === "object" && env !== null ? portFromText((env as Record<string, unknown>)[HEALTH_PORT_KEY]) : undefined;
}
