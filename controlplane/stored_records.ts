/**
 * Checks what the store hands back before the registry and the runs use it:
 * a value must have the shape they expect, down to every field, and its key
 * must be its id. Anything else (a string, null, `{}`, a wrong status, a
 * record over the size cap) is skipped with a reason, never trusted: one bad
 * row must not stop the server or break every listing after it. The checked
 * copies hold only the known fields. What older versions wrote still loads:
 * 64-bit counters as JSON numbers, no `expired` flag.
 */
import { jsonBytes } from "./json_size.ts";
import { isEnumNumber, type OpenEnum } from "./open_enum.ts";
import {
  COMPONENT_TYPES,
  type ComponentInfo,
  type ComponentRecord,
  HEALTH_STATUSES,
  LIMITS,
} from "./registry.ts";
import {
  type ComponentMetrics,
  type Int64,
  type PipelineRun,
  RUN_LIMITS,
  RUN_STATUSES,
  type RunMetrics,
} from "./runs.ts";
import type { Buckets, Skipped } from "./store.ts";

export interface CheckedState {
  services: Map<string, ComponentRecord>;
  runs: Map<string, PipelineRun>;
  skipped: Skipped[];
}

export function checkStoredState(data: Buckets): CheckedState {
  const skipped: Skipped[] = [];
  const check = <T>(
    bucket: keyof Buckets,
    read: (value: unknown) => T,
    id: (value: T) => string,
    maxBytes: number,
  ) => {
    const kept = new Map<string, T>();
    for (const [key, value] of data[bucket]) {
      const where = `${bucket} row ${JSON.stringify(key.slice(0, 80))}`;
      try {
        const checked = read(value);
        if (id(checked) !== key) {
          throw new Shape(`its id ${JSON.stringify(id(checked).slice(0, 80))} is not its key`);
        }
        const size = jsonBytes(checked);
        if (size > maxBytes) throw new Shape(`it takes ${size} bytes, over the limit of ${maxBytes}`);
        kept.set(key, checked);
      } catch (err) {
        if (!(err instanceof Shape)) throw err;
        skipped.push({ where, reason: err.message });
      }
    }
    return kept;
  };
  return {
    services: check("services", componentRecord, (r) => r.serviceId, LIMITS.maxComponentBytes),
    runs: check("runs", pipelineRun, (r) => r.runId, RUN_LIMITS.maxRunBytes),
    skipped,
  };
}

/** A value that does not have the expected shape; the message says where and how. */
class Shape extends Error {}

function componentRecord(value: unknown): ComponentRecord {
  const r = object("the value", value);
  const record: ComponentRecord = {
    serviceId: text("serviceId", r.serviceId),
    component: componentInfo(r.component),
    status: openEnum("status", r.status, HEALTH_STATUSES),
    metrics: textMap("metrics", r.metrics),
    registeredAt: number("registeredAt", r.registeredAt),
    lastHeartbeat: number("lastHeartbeat", r.lastHeartbeat),
  };
  // Absent (older versions): an UNHEALTHY record counts as the component's own word, as Go has it.
  if (r.expired !== undefined && r.expired !== false) {
    if (r.expired !== true) throw new Shape("expired is not true or false");
    if (record.status !== "UNHEALTHY") throw new Shape("expired is set but the status is not UNHEALTHY");
    record.expired = true;
  }
  return record;
}

function componentInfo(value: unknown): ComponentInfo {
  const c = object("component", value);
  return {
    id: text("component.id", c.id),
    name: text("component.name", c.name),
    description: text("component.description", c.description),
    version: text("component.version", c.version),
    type: openEnum("component.type", c.type, COMPONENT_TYPES),
    inputEventTypes: textList("component.inputEventTypes", c.inputEventTypes),
    outputEventTypes: textList("component.outputEventTypes", c.outputEventTypes),
    endpoint: text("component.endpoint", c.endpoint),
    metadata: textMap("component.metadata", c.metadata),
  };
}

function pipelineRun(value: unknown): PipelineRun {
  const r = object("the value", value);
  const run: PipelineRun = {
    runId: text("runId", r.runId),
    pipelineId: text("pipelineId", r.pipelineId),
    pipelineName: text("pipelineName", r.pipelineName),
    status: openEnum("status", r.status, RUN_STATUSES),
    startTime: number("startTime", r.startTime),
    configYaml: text("configYaml", r.configYaml),
    metrics: runMetrics(r.metrics),
    error: text("error", r.error),
    componentIds: textList("componentIds", r.componentIds),
  };
  if (r.endTime !== undefined) run.endTime = number("endTime", r.endTime);
  return run;
}

function runMetrics(value: unknown): RunMetrics {
  const m = object("metrics", value);
  const components = object("metrics.componentMetrics", m.componentMetrics);
  return {
    eventsProcessed: int64("metrics.eventsProcessed", m.eventsProcessed),
    eventsPerSecond: number("metrics.eventsPerSecond", m.eventsPerSecond),
    bytesProcessed: int64("metrics.bytesProcessed", m.bytesProcessed),
    componentMetrics: Object.fromEntries(
      Object.entries(components).map((
        [id, c],
      ) => [id, componentMetrics(`metrics.componentMetrics.${id.slice(0, 40)}`, c)]),
    ),
  };
}

function componentMetrics(field: string, value: unknown): ComponentMetrics {
  const c = object(field, value);
  return {
    eventsIn: int64(`${field}.eventsIn`, c.eventsIn),
    eventsOut: int64(`${field}.eventsOut`, c.eventsOut),
    bytesIn: int64(`${field}.bytesIn`, c.bytesIn),
    bytesOut: int64(`${field}.bytesOut`, c.bytesOut),
    processingTimeMs: number(`${field}.processingTimeMs`, c.processingTimeMs),
  };
}

function object(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Shape(`${field} is not an object`);
  }
  return value as Record<string, unknown>;
}

function text(field: string, value: unknown): string {
  if (typeof value !== "string") throw new Shape(`${field} is not a string`);
  return value;
}

function number(field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Shape(`${field} is not a number`);
  return value;
}

/** A name of the enum, or the number of a value its schema does not name (a named value's number: its name). */
function openEnum<T extends string>(field: string, value: unknown, names: readonly T[]): OpenEnum<T> {
  const found = names.find((n) => n === value);
  if (found !== undefined) return found;
  if (isEnumNumber(value)) return names[value] ?? value;
  throw new Shape(`${field} is not one of ${names.join(", ")} or an enum number`);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A 64-bit counter as decimal text (as this version writes it), or a whole
 * JSON number (as older ones did; one past the range, 2^63 rounded from
 * int64's largest, is clamped to it).
 */
function int64(field: string, value: unknown): Int64 {
  if (typeof value === "string" && /^(0|-?[1-9][0-9]{0,18})$/.test(value)) {
    const n = BigInt(value);
    if (n >= INT64_MIN && n <= INT64_MAX) return value;
  }
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= 2 ** 63) {
    const n = BigInt(value);
    return String(n > INT64_MAX ? INT64_MAX : n);
  }
  throw new Shape(`${field} is not a 64-bit integer`);
}

function textList(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new Shape(`${field} is not a list`);
  return value.map((item, i) => text(`${field}[${i}]`, item));
}

function textMap(field: string, value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(object(field, value)).map(([k, v]) => [k, text(`${field}.${k.slice(0, 40)}`, v)]),
  );
}
