/**
 * The two gRPC services on top of the registry and the pipeline runs:
 * `flowctl.v1.ControlPlaneService` and the legacy `flowctl.ControlPlane`.
 * This file only translates messages; behaviour lives in registry.ts and
 * runs.ts. Every answer waits for the store's flush, so what a client was
 * told happened is on disk. Requests are checked on the wire before they are
 * decoded (wire_check.ts), and replies against the size a client accepts.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { enumFromWire, enumToWire, type OpenEnum } from "./open_enum.ts";
import { ownValue } from "./own_keys.ts";
import { CONTROL_PLANE_PROTOS } from "./proto/protos.ts";
import { pageOf } from "./paging.ts";
import {
  COMPONENT_TYPES,
  type ComponentInfo,
  type ComponentRecord,
  type ComponentType,
  ControlPlaneError,
  HEALTH_STATUSES,
  type HealthStatus,
  type Registry,
} from "./registry.ts";
import { runFields } from "./run_fields.ts";
import { type PipelineRun, type PipelineRuns, RUN_STATUSES, type RunMetrics } from "./runs.ts";
import type { Store } from "./store.ts";
import { type Descriptor, type MessageShape, messageShapes, wireProblem } from "./wire_check.ts";

// deno-lint-ignore no-explicit-any
type Message = Record<string, any>;
type Handler = (request: Message) => Message;

export interface ServiceContext {
  registry: Registry;
  runs: PipelineRuns;
  store: Store;
  clock: () => number;
  /** Counts answered calls by method and status, for /metrics. */
  onCall(method: string, code: string): void;
  /** Throws PERMISSION_DENIED when the caller may not make the call (mutual TLS: authorize.ts); absent, all may. */
  authorize?(method: string, request: Message, call: grpc.ServerUnaryCall<Message, Message>): void;
  log(line: string): void;
}

/** The most a reply may take encoded: what a gRPC client accepts by default. */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;

let definitions: protoLoader.PackageDefinition | undefined;
let protos: ProtoPackage | undefined;

// deno-lint-ignore no-explicit-any
export type ProtoPackage = any;

/**
 * How proto-loader turns messages into objects: field names as in the .proto
 * files, enums by name (a value the schema does not name as its number), and
 * 64-bit integers as decimal text, exact where a JS number is not (past 2^53).
 */
export const PROTO_OPTIONS: protoLoader.Options = { keepCase: true, enums: String, longs: String, defaults: true };

/** From the .proto files embedded as JSON (scripts/embed_protos.ts), so no file is read at run time. */
function packageDefinition(): protoLoader.PackageDefinition {
  definitions ??= protoLoader.fromJSON(CONTROL_PLANE_PROTOS, PROTO_OPTIONS);
  return definitions;
}

/**
 * Both .proto files as grpc-js objects (`.flowctl.v1.ControlPlaneService`,
 * `.flowctl.ControlPlane`), loaded once: the server's service definitions and
 * a client's constructors (tests, the benchmark) come from the same place.
 */
export function protoPackage(): ProtoPackage {
  protos ??= grpc.loadPackageDefinition(packageDefinition());
  return protos;
}

/** A request the wire check refused: handed to the handler as data, since a throwing decoder makes grpc-js answer INTERNAL. */
export class UndecodableRequest {
  constructor(readonly problem: string) {}
}

/** A reply already encoded (to measure it), which the serializer passes through. */
class EncodedReply {
  constructor(readonly bytes: Buffer) {}
}

/** The service definitions for `grpc.Server.addService`, with requests checked on the wire. */
export function loadServices(): { v1: grpc.ServiceDefinition; legacy: grpc.ServiceDefinition; watch: grpc.ServiceDefinition } {
  const defs = packageDefinition();
  const types = new Map<string, Descriptor>();
  for (const [name, def] of Object.entries(defs)) {
    if ("format" in def && def.format === "Protocol Buffer 3 DescriptorProto") types.set(name, def.type as unknown as Descriptor);
  }
  const shapes = messageShapes(types);
  const checked = (service: string): grpc.ServiceDefinition => {
    const methods = defs[service] as unknown as grpc.ServiceDefinition;
    const servicePackage = service.slice(0, service.lastIndexOf("."));
    return Object.fromEntries(Object.entries(methods).map(([name, method]) => {
      // proto-loader gives the request type's short name: it is in the service's package or, alone, elsewhere.
      const short = (method as unknown as { requestType: { type: Descriptor } }).requestType.type.name;
      const candidates = [...types.keys()].filter((full) => full.endsWith(`.${short}`));
      const full = types.has(`${servicePackage}.${short}`) ? `${servicePackage}.${short}` : candidates.length === 1 ? candidates[0] : "";
      const shape = shapes.get(full);
      if (!shape) throw new Error(`no single message type ${short} for the requests of ${service}/${name}`);
      return [name, {
        ...method,
        requestDeserialize: (bytes: Buffer) => decodeRequest(bytes, shape, method.requestDeserialize),
        responseSerialize: (reply: unknown) => reply instanceof EncodedReply ? reply.bytes : method.responseSerialize(reply),
        encode: method.responseSerialize,
      }];
    }));
  };
  return {
    v1: checked("flowctl.v1.ControlPlaneService"),
    legacy: checked("flowctl.ControlPlane"),
    watch: checked("flowctl.watch.v1.ComponentWatch"), // watch_service.ts
  };
}

function decodeRequest(bytes: Buffer, shape: MessageShape, decode: (bytes: Buffer) => unknown): unknown {
  const problem = wireProblem(bytes, shape);
  if (problem) return new UndecodableRequest(problem);
  try {
    return decode(bytes);
  } catch (err) {
    return new UndecodableRequest(`the request is not a ${shape.name} message: ${(err as Error).message}`);
  }
}

/** Handlers for flowctl.v1.ControlPlaneService. */
export function v1Handlers(ctx: ServiceContext): Record<string, Handler> {
  const { registry } = ctx;
  return {
    RegisterComponent(req) {
      const r = registry.register(componentFrom(req.component ?? {}), req.component_id, ctx.clock());
      ctx.log(`registered ${r.serviceId}`);
      return { service_id: r.serviceId, assigned_topics: r.assignedTopics, connection_info: r.connectionInfo };
    },
    UnregisterComponent(req) {
      registry.unregister(req.service_id);
      ctx.log(`unregistered ${req.service_id}`);
      return {};
    },
    DiscoverComponents(req) {
      const found = registry.discover(componentType("type", req.type), req.event_types, req.metadata_filters);
      const page = pageOfRecords(registry, found, req);
      return { components: page.items.map((r) => componentTo(r.component)), next_page_token: page.nextToken };
    },
    Heartbeat(req) {
      registry.heartbeat(req.service_id, healthStatus("status", req.status), req.metrics, ctx.clock());
      return {};
    },
    GetComponentStatus(req) {
      return statusTo(registry.status(req.service_id));
    },
    ListComponents(req) {
      const list = registry.list(componentType("type_filter", req.type_filter), req.include_unhealthy);
      const page = pageOfRecords(registry, list, req);
      return { components: page.items.map(statusTo), next_page_token: page.nextToken };
    },
  };
}

/** Handlers for the legacy flowctl.ControlPlane, mapped onto the same registry. */
export function legacyHandlers(ctx: ServiceContext): Record<string, Handler> {
  const { registry, runs } = ctx;
  return {
    Register(req) {
      const metadata: Record<string, string> = req.metadata;
      const named = (field: string) =>
        ["processor", "source", "sink"].map((k) => ownValue(metadata, `${k}_${field}`)).find(Boolean) ??
          ownValue(metadata, field) ?? "";
      const type = legacyToV1(enumFromWire("service_type", req.service_type, "SERVICE_TYPE", SERVICE_TYPES));
      const component: ComponentInfo = {
        id: req.component_id || req.service_id,
        name: named("name"),
        description: named("description"),
        version: named("version"),
        type,
        inputEventTypes: req.input_event_types,
        outputEventTypes: req.output_event_types,
        endpoint: req.health_endpoint,
        metadata,
      };
      const r = registry.register(component, req.service_id, ctx.clock());
      ctx.log(`registered ${r.serviceId} (legacy)`);
      return { service_id: r.serviceId, topic_names: r.assignedTopics, connection_info: r.connectionInfo };
    },
    Heartbeat(req) {
      // Legacy metrics are numbers; the registry keeps text, like flowctl.v1's.
      const metrics = Object.fromEntries(Object.entries(req.metrics as Record<string, number>).map(([k, v]) => [k, String(v)]));
      registry.heartbeat(req.service_id, "UNKNOWN", metrics, ctx.clock());
      return {};
    },
    // The Go server answers "not implemented"; this one answers.
    GetServiceStatus(req) {
      return legacyStatusTo(registry.status(req.service_id || req.component_id));
    },
    ListServices() {
      return { services: registry.list("UNSPECIFIED", true).map(legacyStatusTo) };
    },
    CreatePipelineRun(req) {
      const run = runs.create({
        runId: req.run_id,
        pipelineName: req.pipeline_name,
        configYaml: req.config_yaml,
        componentIds: req.component_ids,
      }, ctx.clock());
      ctx.log(`pipeline run ${run.runId} created`);
      return runTo(run);
    },
    UpdatePipelineRun(req) {
      const status = enumFromWire("status", req.status, "RUN_STATUS", RUN_STATUSES);
      return runTo(runs.update(req.run_id, status, req.metrics ? metricsFrom(req.metrics) : undefined, req.error, ctx.clock()));
    },
    GetPipelineRun(req) {
      return runTo(runs.get(req.run_id));
    },
    ListPipelineRuns(req) {
      const status = enumFromWire("status", req.status, "RUN_STATUS", RUN_STATUSES);
      return { runs: runs.list(req.pipeline_name, status, req.limit).map(runTo) };
    },
    StopPipelineRun(req) {
      return runTo(runs.stop(req.run_id, ctx.clock()));
    },
  };
}

/**
 * Wraps handlers as grpc-js unary calls: a request the wire check refused is
 * INVALID_ARGUMENT, errors become status codes, a reply over MAX_REPLY_BYTES
 * is RESOURCE_EXHAUSTED, and answers wait for the flush.
 */
export function unaryImplementation(
  ctx: ServiceContext,
  service: string,
  definition: grpc.ServiceDefinition,
  handlers: Record<string, Handler>,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    const encode = (definition[method] as unknown as { encode: (reply: Message) => Buffer }).encode;
    impl[method] = async (call: grpc.ServerUnaryCall<Message, Message>, callback: grpc.sendUnaryData<Message>) => {
      let reply: EncodedReply;
      try {
        const request: unknown = call.request;
        if (request instanceof UndecodableRequest) throw new ControlPlaneError("INVALID_ARGUMENT", request.problem);
        ctx.authorize?.(`${service}/${method}`, call.request, call);
        reply = new EncodedReply(encode(handler(call.request)));
        if (reply.bytes.length > MAX_REPLY_BYTES) {
          throw new ControlPlaneError(
            "RESOURCE_EXHAUSTED",
            `the reply would take ${reply.bytes.length} bytes, over the ${MAX_REPLY_BYTES} a gRPC client accepts by default; ` +
              "ask for less (ListComponents and DiscoverComponents page, ListPipelineRuns takes a limit)",
          );
        }
        await ctx.store.flush();
      } catch (err) {
        const status = toStatus(err);
        if (status.code === grpc.status.INTERNAL) ctx.log(`${service}/${method} failed: ${status.details}`);
        ctx.onCall(`${service}/${method}`, grpc.status[status.code]);
        callback(status);
        return;
      }
      ctx.onCall(`${service}/${method}`, "OK");
      callback(null, reply as unknown as Message);
    };
  }
  return impl;
}

export function toStatus(err: unknown): Partial<grpc.StatusObject> & { code: grpc.status; details: string } {
  if (err instanceof ControlPlaneError) return { code: grpc.status[err.code], details: err.message };
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

/** The names of flowctl.ServiceType, in the order of their numbers. */
const SERVICE_TYPES = ["UNSPECIFIED", "SOURCE", "PROCESSOR", "SINK", "PIPELINE"] as const;

/** As Go maps them: SINK is CONSUMER, PIPELINE has no counterpart; a value neither schema names keeps its number. */
function legacyToV1(type: OpenEnum<(typeof SERVICE_TYPES)[number]>): ComponentType {
  return type === "SINK" ? "CONSUMER" : type === "PIPELINE" ? "UNSPECIFIED" : type;
}

function v1ToLegacy(type: ComponentType): string | number {
  return enumToWire("SERVICE_TYPE", type === "CONSUMER" ? "SINK" : type);
}

function componentType(field: string, value: unknown): ComponentType {
  return enumFromWire(field, value, "COMPONENT_TYPE", COMPONENT_TYPES);
}

function healthStatus(field: string, value: unknown): HealthStatus {
  return enumFromWire(field, value, "HEALTH_STATUS", HEALTH_STATUSES);
}

/** A page of registry records in service-id order, from a request's page_size and page_token. */
function pageOfRecords(registry: Registry, records: ComponentRecord[], req: Message) {
  return pageOf(records, { size: req.page_size ?? 0, token: req.page_token ?? "" }, (r) => r.serviceId, (r) => registry.bytes(r.serviceId));
}

function componentFrom(c: Message): ComponentInfo {
  return {
    id: c.id ?? "",
    name: c.name ?? "",
    description: c.description ?? "",
    version: c.version ?? "",
    type: componentType("component.type", c.type ?? "COMPONENT_TYPE_UNSPECIFIED"),
    inputEventTypes: c.input_event_types ?? [],
    outputEventTypes: c.output_event_types ?? [],
    endpoint: c.endpoint ?? "",
    metadata: c.metadata ?? {},
  };
}

function componentTo(c: ComponentInfo): Message {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    version: c.version,
    type: enumToWire("COMPONENT_TYPE", c.type),
    input_event_types: c.inputEventTypes,
    output_event_types: c.outputEventTypes,
    endpoint: c.endpoint,
    metadata: c.metadata,
  };
}

export function statusTo(r: ComponentRecord): Message {
  return {
    component: componentTo(r.component),
    status: enumToWire("HEALTH_STATUS", r.status),
    last_heartbeat: timestamp(r.lastHeartbeat),
    metrics: r.metrics,
    registered_at: timestamp(r.registeredAt),
  };
}

function legacyStatusTo(r: ComponentRecord): Message {
  const metrics = Object.fromEntries(
    Object.entries(r.metrics).filter(([, v]) => v.trim() !== "" && Number.isFinite(Number(v))).map(([k, v]) => [k, Number(v)]),
  );
  return {
    service_id: r.serviceId,
    service_type: v1ToLegacy(r.component.type),
    is_healthy: r.status === "HEALTHY",
    last_heartbeat: timestamp(r.lastHeartbeat),
    metrics,
    component_id: r.component.id,
  };
}

/** With `longs: String`, the int64 counters come as decimal text and are kept so. */
/** A double a run keeps: NaN and infinities cannot be stored (JSON has no such numbers), so they are refused where they arrive. */
function finite(field: string, value: number): number {
  if (!Number.isFinite(value)) throw new ControlPlaneError("INVALID_ARGUMENT", `${field} is ${value}; send a finite number`);
  return value;
}

function metricsFrom(m: Message): RunMetrics {
  const components: RunMetrics["componentMetrics"] = Object.fromEntries(
    (Object.entries(m.component_metrics ?? {}) as [string, Message][]).map(([id, c]) => [id, {
      eventsIn: c.events_in,
      eventsOut: c.events_out,
      bytesIn: c.bytes_in,
      bytesOut: c.bytes_out,
      processingTimeMs: finite(`metrics.component_metrics[${JSON.stringify(id)}].processing_time_ms`, c.processing_time_ms),
    }]),
  );
  return {
    eventsProcessed: m.events_processed,
    eventsPerSecond: finite("metrics.events_per_second", m.events_per_second),
    bytesProcessed: m.bytes_processed,
    componentMetrics: components,
  };
}

function runTo(run: PipelineRun): Message {
  return runFields(run, enumToWire("RUN_STATUS", run.status), timestamp, undefined);
}

function timestamp(ms: number): Message {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}
