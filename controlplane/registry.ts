/**
 * The control plane's state machine: components register, heartbeat and are
 * discovered; a sweep marks silent ones unhealthy. Pure: the clock is passed
 * in, and every change is also handed to the store (bucket `services`), whose
 * flush the server awaits before it answers.
 *
 * Behaviour follows the Go flowctl control plane (flowctl-anchor.md §c):
 * ids come from component_id, else the component's id, else `<type>-<time>`;
 * a registration starts afresh (HEALTHY, no metrics, registered now), also
 * when the id was registered before; heartbeats for unknown ids fail;
 * unregistering an unknown id is no error; an UNKNOWN heartbeat status keeps
 * the current one; metrics merge; listing hides non-HEALTHY components unless
 * asked; enum values the schema does not name are kept (open_enum.ts).
 * Beyond Go, a heartbeat is proof of life: it brings back a component the
 * sweep marked UNHEALTHY, unless the heartbeat reports a status of its own.
 */
import { jsonBytes } from "./json_size.ts";
import { ownValue } from "./own_keys.ts";
import type { Store } from "./store.ts";

/**
 * A value of a protobuf enum whose names are `T`: a name, or the number of a
 * value the schema does not name (proto3 enums are open: open_enum.ts).
 */
export type OpenEnum<T extends string> = T | number;

/** The names of flowctl.v1's ComponentType and HealthStatus, in the order of their numbers. */
export const COMPONENT_TYPES = ["UNSPECIFIED", "SOURCE", "PROCESSOR", "CONSUMER"] as const;
export type ComponentType = OpenEnum<(typeof COMPONENT_TYPES)[number]>;
export const HEALTH_STATUSES = ["UNKNOWN", "STARTING", "HEALTHY", "DEGRADED", "UNHEALTHY", "STOPPING"] as const;
export type HealthStatus = OpenEnum<(typeof HEALTH_STATUSES)[number]>;

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
  /**
   * UNHEALTHY because the sweep found it silent past the TTL, not because it
   * said so: its next heartbeat brings it back. Stored only when true.
   */
  expired?: boolean;
}

/** Errors carry the gRPC status a transport answers with. */
export class ControlPlaneError extends Error {
  constructor(
    readonly code:
      | "INVALID_ARGUMENT"
      | "NOT_FOUND"
      | "ALREADY_EXISTS"
      | "RESOURCE_EXHAUSTED"
      | "FAILED_PRECONDITION"
      | "PERMISSION_DENIED",
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
  /** Bytes of one component's record as stored (JSON): its names, event types, metadata and metrics together. */
  maxComponentBytes: 64 * 1024,
  /** Components registered at once. */
  maxComponents: 10_000,
  /** Bytes of every component's record together: what the registry may hold in memory and on disk. */
  maxTotalBytes: 32 * 1024 * 1024,
};
export type Limits = typeof LIMITS;

/**
 * A change to a component, as observers of the registry see it after it is
 * made (the watch, watch_hub.ts): the record before (none: it is new) and
 * after (none: unregistered). Every heartbeat is one, metrics-only ones too.
 */
export interface RegistryChange {
  cause: "register" | "heartbeat" | "sweep" | "unregister";
  before?: ComponentRecord;
  after?: ComponentRecord;
}

/** DiscoverComponents' filters: a type (UNSPECIFIED: any), any one of the event types (none: any), all the metadata. */
export interface DiscoveryFilter {
  type: ComponentType;
  eventTypes: string[];
  metadata: Record<string, string>;
}

/** Whether a component passes DiscoverComponents' filters; the watch (watch_hub.ts) filters with the same. */
export function matchesDiscovery(c: ComponentInfo, { type, eventTypes, metadata }: DiscoveryFilter): boolean {
  if (type !== "UNSPECIFIED" && c.type !== type) return false;
  if (eventTypes.length && !eventTypes.some((t) => c.inputEventTypes.includes(t) || c.outputEventTypes.includes(t))) return false;
  return Object.entries(metadata).every(([k, v]) => ownValue(c.metadata, k) === v);
}

export interface RegistryOptions {
  heartbeatTtlMs: number;
  /** Told to components in `connection_info`. */
  endpoint: string;
  store?: Store;
  /** LIMITS unless given (tests use small ones). */
  limits?: Limits;
}

export class Registry {
  private records = new Map<string, ComponentRecord>();
  /** Registrations per service id since this control plane started (kept across unregister: a restart often unregisters first). */
  private registrations = new Map<string, number>();
  /** Each record's size as stored, and their sum: what the caps are checked against. */
  private sizes = new Map<string, number>();
  private totalBytes = 0;
  private limits: Limits;
  private listeners = new Set<(change: RegistryChange) => void>();

  /** `initial`: checked records from the store, all kept even past the caps (then only shrinking is allowed). */
  constructor(private options: RegistryOptions, initial: Map<string, ComponentRecord> = new Map()) {
    this.limits = options.limits ?? LIMITS;
    for (const record of initial.values()) this.keep(record, jsonBytes(record));
  }

  register(component: ComponentInfo, componentId: string, now: number): Registration {
    checkText("component_id", componentId);
    checkComponent(component, this.limits);
    const type = typeof component.type === "number" ? String(component.type) : component.type.toLowerCase();
    const serviceId = componentId || component.id || `${type}-${now * 1e6}`;
    // As Go: registering again (a restart) starts afresh, with nothing kept from before.
    const record: ComponentRecord = {
      serviceId,
      component: { ...component, id: component.id || serviceId },
      status: "HEALTHY",
      metrics: {},
      registeredAt: now,
      lastHeartbeat: now,
    };
    this.put(record, this.admit(record), "register");
    this.countRegistration(serviceId);
    const produces = component.type === "SOURCE" || component.type === "PROCESSOR";
    return {
      serviceId,
      assignedTopics: produces ? component.outputEventTypes.map((t) => `${t}.v1`) : [],
      connectionInfo: { control_plane_endpoint: this.options.endpoint },
    };
  }

  /** As Go, an id that is not registered is no error: there is nothing to remove. */
  unregister(serviceId: string): void {
    if (!serviceId) throw new ControlPlaneError("INVALID_ARGUMENT", "service_id is empty");
    const before = this.records.get(serviceId);
    if (!before) return;
    this.records.delete(serviceId);
    this.totalBytes -= this.sizes.get(serviceId) ?? 0;
    this.sizes.delete(serviceId);
    this.options.store?.append({ bucket: "services", key: serviceId });
    this.changed({ cause: "unregister", before });
  }

  /**
   * A status other than UNKNOWN is the component's own word and is taken as
   * it is. UNKNOWN (what flowctl-sdk sends when all is well; legacy heartbeats
   * carry none) keeps the status, except that a component the sweep marked
   * UNHEALTHY is alive again and HEALTHY.
   */
  heartbeat(serviceId: string, status: HealthStatus, metrics: Record<string, string>, now: number): void {
    const current = this.get(serviceId);
    checkMap("metrics", metrics, this.limits);
    const merged = { ...current.metrics, ...metrics };
    checkMap("metrics", merged, this.limits);
    const next = status !== "UNKNOWN" ? status : current.expired ? "HEALTHY" : current.status;
    const { expired: _, ...rest } = current;
    const record: ComponentRecord = { ...rest, status: next, metrics: merged, lastHeartbeat: now };
    this.put(record, this.admit(record), "heartbeat");
  }

  status(serviceId: string): ComponentRecord {
    return this.get(serviceId);
  }

  /** Components of a type (UNSPECIFIED: any) with any of the event types and all the metadata. */
  discover(type: ComponentType, eventTypes: string[], metadata: Record<string, string>): ComponentRecord[] {
    const filter = { type, eventTypes, metadata };
    return this.sorted().filter((r) => matchesDiscovery(r.component, filter));
  }

  /** Components of a type (UNSPECIFIED: any); only HEALTHY ones unless `includeUnhealthy`. */
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
        // Past the caps only by the longer status word and the flag: the sweep must not fail.
        const record: ComponentRecord = { ...r, status: "UNHEALTHY", expired: true };
        this.put(record, jsonBytes(record), "sweep");
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

  /** How often a service registered again since this control plane started: its restarts, as far as it can tell. */
  restarts(serviceId: string): number {
    return Math.max(0, (this.registrations.get(serviceId) ?? 0) - 1);
  }

  private countRegistration(serviceId: string): void {
    this.registrations.set(serviceId, (this.registrations.get(serviceId) ?? 0) + 1);
    // Bounded like the registry: counts of services that are gone are forgotten first.
    if (this.registrations.size > this.limits.maxComponents * 2) {
      for (const id of this.registrations.keys()) if (!this.records.has(id)) this.registrations.delete(id);
    }
  }

  /** The record of a service id, if there is one (no error: for checks made before a call). */
  find(serviceId: string): ComponentRecord | undefined {
    return this.records.get(serviceId);
  }

  /** A registered component's record size as stored, in bytes (0 if unknown). */
  bytes(serviceId: string): number {
    return this.sizes.get(serviceId) ?? 0;
  }

  /** Checks a new or changed record against the caps; returns its size. */
  private admit(record: ComponentRecord): number {
    const size = jsonBytes(record);
    const { maxComponentBytes, maxComponents, maxTotalBytes } = this.limits;
    if (size > maxComponentBytes) {
      throw new ControlPlaneError(
        "RESOURCE_EXHAUSTED",
        `component ${quote(record.serviceId)} would take ${size} bytes; the limit is ${maxComponentBytes} for its names, metadata and metrics together`,
      );
    }
    const previous = this.sizes.get(record.serviceId);
    if (previous === undefined && this.records.size >= maxComponents) {
      throw new ControlPlaneError("RESOURCE_EXHAUSTED", `${maxComponents} components are registered, the most this control plane keeps`);
    }
    if (size > (previous ?? 0) && this.totalBytes - (previous ?? 0) + size > maxTotalBytes) {
      throw new ControlPlaneError(
        "RESOURCE_EXHAUSTED",
        `the registry holds ${this.totalBytes} bytes and may hold ${maxTotalBytes}: component ${quote(record.serviceId)} does not fit`,
      );
    }
    return size;
  }

  private get(serviceId: string): ComponentRecord {
    if (!serviceId) throw new ControlPlaneError("INVALID_ARGUMENT", "service_id is empty");
    const r = this.records.get(serviceId);
    if (!r) throw new ControlPlaneError("NOT_FOUND", `no component with service_id ${quote(serviceId)}`);
    return r;
  }

  /** Calls `listener` after each change to a component (RegistryChange); returns what stops it. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(change: RegistryChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private put(record: ComponentRecord, size: number, cause: "register" | "heartbeat" | "sweep"): void {
    const before = this.records.get(record.serviceId);
    this.options.store?.append({ bucket: "services", key: record.serviceId, value: record });
    this.keep(record, size);
    this.changed({ cause, before, after: record });
  }

  private keep(record: ComponentRecord, size: number): void {
    this.totalBytes += size - (this.sizes.get(record.serviceId) ?? 0);
    this.sizes.set(record.serviceId, size);
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

export function checkMap(field: string, map: Record<string, string>, limits: Limits = LIMITS): void {
  const entries = Object.entries(map);
  if (entries.length > limits.maxEntries) {
    throw new ControlPlaneError("RESOURCE_EXHAUSTED", `${field} has more than ${limits.maxEntries} entries`);
  }
  for (const [k, v] of entries) {
    checkText(`${field} key`, k);
    checkText(`${field}.${k.slice(0, 40)}`, v);
  }
}

function checkComponent(c: ComponentInfo, limits: Limits): void {
  for (const field of ["id", "name", "description", "version", "endpoint"] as const) checkText(`component.${field}`, c[field]);
  checkMap("component.metadata", c.metadata, limits);
  for (const list of [c.inputEventTypes, c.outputEventTypes]) {
    if (list.length > limits.maxEntries) throw new ControlPlaneError("RESOURCE_EXHAUSTED", "too many event types");
    for (const t of list) checkText("event type", t);
  }
}

/** An id as quoted in a message: JSON, so odd characters show; cut to 200 characters. */
function quote(id: string): string {
  return JSON.stringify(id.slice(0, 200));
}
