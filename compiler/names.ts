/** Small shared rules about names, ports and references, used by several stages. */
import { isRecord } from "./source.ts";

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

/** The port of a component's health endpoint: `health_port`, else HEALTH_PORT in env. */
export function healthPortOf(component: Record<string, unknown>): number | undefined {
  if (typeof component.health_port === "number") return component.health_port;
  return isRecord(component.env) ? portFromText(component.env.HEALTH_PORT) : undefined;
}
