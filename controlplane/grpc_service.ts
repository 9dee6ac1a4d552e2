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
  type Registry,
} from "./registry.ts";
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

/** How proto-loader turns messages into objects: field names as in the .proto files, enums by name. */
export const PROTO_OPTIONS: protoLoader.Options = { keepCase: true, enums: String, longs: Number, defaults: true };

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
export function loadServices(): { v1: grpc.ServiceDefinition; legacy: grpc.ServiceDefinition } {
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
  return { v1: checked("flowctl.v1.ControlPlaneService"), legacy: checked("flowctl.ControlPlane") };
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
      const found = registry.discover(enumValue("type", req.type, COMPONENT_TYPES), req.event_types, req.metadata_filters);
      const page = pageOfRecords(registry, found, req);
      return { components: page.items.map((r) => componentTo(r.component)), next_page_token: page.nextToken };
    },
    Heartbeat(req) {
      registry.heartbeat(req.service_id, enumValue("status", req.status, HEALTH_STATUSES), req.metrics, ctx.clock());
      return {};
    },
    GetComponentStatus(req) {
      return statusTo(registry.status(req.service_id));
    },
    ListComponents(req) {
      const list = registry.list(enumValue("type_filter", req.type_filter, COMPONENT_TYPES), req.include_unhealthy);
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
      const type = LEGACY_TO_V1[enumValue("service_type", req.service_type, SERVICE_TYPES)];
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
      const status = enumValue("status", req.status, RUN_STATUSES);
      return runTo(runs.update(req.run_id, status, req.metrics ? metricsFrom(req.metrics) : undefined, req.error, ctx.clock()));
    },
    GetPipelineRun(req) {
      return runTo(runs.get(req.run_id));
    },
    ListPipelineRuns(req) {
      const status = enumValue("status", req.status, RUN_STATUSES);
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

function toStatus(err: unknown): Partial<grpc.StatusObject> & { code: grpc.status; details: string } {
  if (err instanceof ControlPlaneError) return { code: grpc.status[err.code], details: err.message };
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

const SERVICE_TYPES = ["UNSPECIFIED", "SOURCE", "PROCESSOR", "SINK", "PIPELINE"] as const;
const LEGACY_TO_V1: Record<(typeof SERVICE_TYPES)[number], ComponentType> = {
  UNSPECIFIED: "UNSPECIFIED",
  SOURCE: "SOURCE",
  PROCESSOR: "PROCESSOR",
  SINK: "CONSUMER",
  PIPELINE: "UNSPECIFIED",
};
const V1_TO_LEGACY: Record<ComponentType, string> = {
  UNSPECIFIED: "SERVICE_TYPE_UNSPECIFIED",
  SOURCE: "SERVICE_TYPE_SOURCE",
  PROCESSOR: "SERVICE_TYPE_PROCESSOR",
  CONSUMER: "SERVICE_TYPE_SINK",
};
/**
 * An enum field as our name (`SOURCE` for COMPONENT_TYPE_SOURCE). proto-loader
 * gives the proto name, or the bare number for a value this file does not know:
 * that is a malformed request, not a crash.
 */
function enumValue<T extends string>(field: string, value: unknown, names: readonly T[]): T {
  if (typeof value === "string") {
    const bare = value.replace(/^(COMPONENT_TYPE|HEALTH_STATUS|SERVICE_TYPE|RUN_STATUS)_/, "") as T;
    if (names.includes(bare)) return bare;
  }
  throw new ControlPlaneError("INVALID_ARGUMENT", `${field} has an unknown value ${JSON.stringify(value)}`);
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
    type: enumValue("type", c.type ?? "COMPONENT_TYPE_UNSPECIFIED", COMPONENT_TYPES),
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
    type: `COMPONENT_TYPE_${c.type}`,
    input_event_types: c.inputEventTypes,
    output_event_types: c.outputEventTypes,
    endpoint: c.endpoint,
    metadata: c.metadata,
  };
}

function statusTo(r: ComponentRecord): Message {
  return {
    component: componentTo(r.component),
    status: `HEALTH_STATUS_${r.status}`,
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
    service_type: V1_TO_LEGACY[r.component.type],
    is_healthy: r.status === "HEALTHY",
    last_heartbeat: timestamp(r.lastHeartbeat),
    metrics,
    component_id: r.component.id,
  };
}

function metricsFrom(m: Message): RunMetrics {
  const components: RunMetrics["componentMetrics"] = Object.fromEntries(
    (Object.entries(m.component_metrics ?? {}) as [string, Message][]).map(([id, c]) => [id, {
      eventsIn: c.events_in,
      eventsOut: c.events_out,
      bytesIn: c.bytes_in,
      bytesOut: c.bytes_out,
      processingTimeMs: c.processing_time_ms,
    }]),
  );
  return {
    eventsProcessed: m.events_processed,
    eventsPerSecond: m.events_per_second,
    bytesProcessed: m.bytes_processed,
    componentMetrics: components,
  };
}

function runTo(run: PipelineRun): Message {
  const m = run.metrics;
  return {
    run_id: run.runId,
    pipeline_id: run.pipelineId,
    pipeline_name: run.pipelineName,
    status: `RUN_STATUS_${run.status}`,
    start_time: timestamp(run.startTime),
    end_time: run.endTime === undefined ? undefined : timestamp(run.endTime),
    config_yaml: run.configYaml,
    metrics: {
      events_processed: m.eventsProcessed,
      events_per_second: m.eventsPerSecond,
      bytes_processed: m.bytesProcessed,
      component_metrics: Object.fromEntries(
        Object.entries(m.componentMetrics).map(([id, c]) => [id, {
          events_in: c.eventsIn,
          events_out: c.eventsOut,
          bytes_in: c.bytesIn,
          bytes_out: c.bytesOut,
          processing_time_ms: c.processingTimeMs,
        }]),
      ),
    },
    error: run.error,
    component_ids: run.componentIds,
  };
}

function timestamp(ms: number): Message {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}
