/**
 * The control plane's state machine: components register, heartbeat and are
 * discovered; a sweep marks silent ones unhealthy. Pure: the clock is passed
 * in, and every change is also handed to the store (bucket `services`), whose
 * flush the server awaits before it answers.
 *
 * Behaviour follows the Go flowctl control plane (flowctl-anchor.md §c):
 * ids come from component_id, else the component's id, else `<type>-<time>`;
 * a new registration is HEALTHY; heartbeats for unknown ids fail; an UNKNOWN
 * heartbeat status keeps the current one; metrics merge; listing hides
 * non-HEALTHY components unless asked.
 */
import { ownValue } from "./own_keys.ts";
import type { Store } from "./store.ts";

export const COMPONENT_TYPES = ["UNSPECIFIED", "SOURCE", "PROCESSOR", "CONSUMER"] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];
export const HEALTH_STATUSES = ["UNKNOWN", "STARTING", "HEALTHY", "DEGRADED", "UNHEALTHY", "STOPPING"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface ComponentInfo {
  id: string;
  name: string;
  description: string;
  version: string;
  type: ComponentType;
  inputEventTypes: string[];
  outputEventTypes: string[];
  endpoint: string;
  metadata: Record<string, string>;
}

export interface ComponentRecord {
  serviceId: string;
  component: ComponentInfo;
  status: HealthStatus;
  metrics: Record<string, string>;
  /** Milliseconds since the epoch. */
  registeredAt: number;
  lastHeartbeat: number;
}

/** Errors carry the gRPC status a transport answers with. */
export class ControlPlaneError extends Error {
  constructor(
    readonly code: "INVALID_ARGUMENT" | "NOT_FOUND" | "ALREADY_EXISTS" | "RESOURCE_EXHAUSTED" | "FAILED_PRECONDITION",
    message: string,
  ) {
    super(message);
  }
}

/** What a component is told when it registers. */
export interface Registration {
  serviceId: string;
  assignedTopics: string[];
  connectionInfo: Record<string, string>;
}

export const LIMITS = {
  /** Metadata or metrics entries per component. */
  maxEntries: 256,
  /** Characters in any one id, key or value. */
  maxText: 4096,
} as const;

export interface RegistryOptions {
  heartbeatTtlMs: number;
  /** Told to components in `connection_info`. */
  endpoint: string;
  store?: Store;
}

export class Registry {
  private records = new Map<string, ComponentRecord>();

  /** `initial`: checked records from the store. */
  constructor(private options: RegistryOptions, initial: Map<string, ComponentRecord> = new Map()) {
    for (const record of initial.values()) this.records.set(record.serviceId, record);
  }

  register(component: ComponentInfo, componentId: string, now: number): Registration {
    checkText("component_id", componentId);
    checkComponent(component);
    const serviceId = componentId || component.id || `${component.type.toLowerCase()}-${now * 1e6}`;
    const previous = this.records.get(serviceId);
    const record: ComponentRecord = {
      serviceId,
      component: { ...component, id: component.id || serviceId },
      status: "HEALTHY",
      metrics: previous?.metrics ?? {},
      registeredAt: previous?.registeredAt ?? now,
      lastHeartbeat: now,
    };
    this.put(record);
    const produces = component.type === "SOURCE" || component.type === "PROCESSOR";
    return {
      serviceId,
      assignedTopics: produces ? component.outputEventTypes.map((t) => `${t}.v1`) : [],
      connectionInfo: { control_plane_endpoint: this.options.endpoint },
    };
  }

  unregister(serviceId: string): void {
    this.get(serviceId);
    this.records.delete(serviceId);
    this.options.store?.append({ bucket: "services", key: serviceId });
  }

  heartbeat(serviceId: string, status: HealthStatus, metrics: Record<string, string>, now: number): void {
    const current = this.get(serviceId);
    checkMap("metrics", metrics);
    const merged = { ...current.metrics, ...metrics };
    checkMap("metrics", merged);
    this.put({ ...current, status: status === "UNKNOWN" ? current.status : status, metrics: merged, lastHeartbeat: now });
  }

  status(serviceId: string): ComponentRecord {
    return this.get(serviceId);
  }

  /** Components of a type (UNSPECIFIED: any) with any of the event types and all the metadata. */
  discover(type: ComponentType, eventTypes: string[], metadata: Record<string, string>): ComponentInfo[] {
    return this.sorted().filter((r) => {
      const c = r.component;
      if (type !== "UNSPECIFIED" && c.type !== type) return false;
      if (eventTypes.length && !eventTypes.some((t) => c.inputEventTypes.includes(t) || c.outputEventTypes.includes(t))) return false;
      return Object.entries(metadata).every(([k, v]) => ownValue(c.metadata, k) === v);
    }).map((r) => r.component);
  }

  list(typeFilter: ComponentType, includeUnhealthy: boolean): ComponentRecord[] {
    return this.sorted().filter((r) =>
      (typeFilter === "UNSPECIFIED" || r.component.type === typeFilter) && (includeUnhealthy || r.status === "HEALTHY")
    );
  }

  /** Marks HEALTHY components silent for longer than the TTL as UNHEALTHY; returns their ids. */
  sweep(now: number): string[] {
    const expired: string[] = [];
    for (const r of this.sorted()) {
      if (r.status === "HEALTHY" && r.lastHeartbeat < now - this.options.heartbeatTtlMs) {
        this.put({ ...r, status: "UNHEALTHY" });
        expired.push(r.serviceId);
      }
    }
    return expired;
  }

  /** healthy: every component healthy; unhealthy: none (or none registered); degraded: in between. */
  pipelineHealth(): "healthy" | "degraded" | "unhealthy" {
    const all = [...this.records.values()];
    const healthy = all.filter((r) => r.status === "HEALTHY").length;
    return all.length > 0 && healthy === all.length ? "healthy" : healthy === 0 ? "unhealthy" : "degraded";
  }

  all(): ComponentRecord[] {
    return this.sorted();
  }

  private get(serviceId: string): ComponentRecord {
    if (!serviceId) throw new ControlPlaneError("INVALID_ARGUMENT", "service_id is empty");
    const r = this.records.get(serviceId);
    if (!r) throw new ControlPlaneError("NOT_FOUND", `no component with service_id ${JSON.stringify(serviceId.slice(0, 200))}`);
    return r;
  }

  private put(record: ComponentRecord): void {
    this.options.store?.append({ bucket: "services", key: record.serviceId, value: record });
    this.records.set(record.serviceId, record);
  }

  private sorted(): ComponentRecord[] {
    return [...this.records.values()].sort((a, b) => (a.serviceId < b.serviceId ? -1 : a.serviceId > b.serviceId ? 1 : 0));
  }
}

export function checkText(field: string, text: string): void {
  if (text.length > LIMITS.maxText) {
    throw new ControlPlaneError("RESOURCE_EXHAUSTED", `${field} is longer than ${LIMITS.maxText} characters`);
  }
}

export function checkMap(field: string, map: Record<string, string>): void {
  const entries = Object.entries(map);
  if (entries.length > LIMITS.maxEntries) {
    throw new ControlPlaneError("RESOURCE_EXHAUSTED", `${field} has more than ${LIMITS.maxEntries} entries`);
  }
  for (const [k, v] of entries) {
    checkText(`${field} key`, k);
    checkText(`${field}.${k.slice(0, 40)}`, v);
  }
}

function checkComponent(c: ComponentInfo): void {
  for (const field of ["id", "name", "description", "version", "endpoint"] as const) checkText(`component.${field}`, c[field]);
  checkMap("component.metadata", c.metadata);
  for (const list of [c.inputEventTypes, c.outputEventTypes]) {
    if (list.length > LIMITS.maxEntries) throw new ControlPlaneError("RESOURCE_EXHAUSTED", "too many event types");
    for (const t of list) checkText("event type", t);
  }
}
