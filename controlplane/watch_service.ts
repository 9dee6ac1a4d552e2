/**
 * flowctl.watch.v1.ComponentWatch over grpc-js: one server stream per watch,
 * whose events watch_hub.ts decides. A request passes the same wire check
 * (loadServices) and mutual-TLS authorization as the unary calls. Events are
 * written while grpc-js takes them; when `call.write` returns false the watch
 * waits for 'drain', and what it has not been sent stays in the hub's log
 * meanwhile, so a client that stops reading holds back only itself, until the
 * hub drops it with RESOURCE_EXHAUSTED. Writing happens in a microtask, never
 * inside the registry call that made the change, and each change's event is
 * encoded once for all the watches that send it.
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { type ServiceContext, statusTo, toStatus, UndecodableRequest } from "./grpc_service.ts";
import { enumFromWire, enumToWire } from "./open_enum.ts";
import { COMPONENT_TYPES, ControlPlaneError, type DiscoveryFilter } from "./registry.ts";
import { type Watch, type WatchEvent, WatchHub, type WatchLimits } from "./watch_hub.ts";

export const WATCH_METHOD = "flowctl.watch.v1.ComponentWatch/Watch";

// deno-lint-ignore no-explicit-any
type Message = Record<string, any>;

export interface WatchService {
  hub: WatchHub;
  /** Ends every watch with UNAVAILABLE (the server is stopping) and stops following the registry. */
  close(): void;
}

/** Adds ComponentWatch to `server`, following `ctx.registry`. `definition`: loadServices().watch. */
export function addWatchService(
  server: grpc.Server,
  ctx: ServiceContext,
  definition: grpc.ServiceDefinition,
  limits?: Partial<WatchLimits>,
): WatchService {
  const hub = new WatchHub(ctx.registry, { limits, log: ctx.log });
  const method = definition.Watch;
  const encode = method.responseSerialize as (message: Message) => Buffer;
  const encoded = new WeakMap<WatchEvent, Buffer>();
  const bytesOf = (event: WatchEvent) => {
    let bytes = encoded.get(event);
    if (!bytes) encoded.set(event, bytes = encode(eventTo(event)));
    return bytes;
  };
  const open = new Set<(code: grpc.status, details: string) => void>();

  const Watch = (call: grpc.ServerWritableStream<Message, Buffer>) => {
    let watch: Watch | undefined;
    let ended = false;
    let scheduled = false;
    let waiting = false;
    const end = (code: grpc.status, details: string) => {
      if (ended) return;
      ended = true;
      open.delete(end);
      watch?.close();
      ctx.onCall(WATCH_METHOD, grpc.status[code]);
      // A client that cancelled is gone: there is no one to tell.
      if (code !== grpc.status.CANCELLED) call.emit("error", { code, details });
    };
    const pump = () => {
      scheduled = false;
      try {
        while (!ended && !waiting) {
          const event = watch!.next();
          if (!event) return;
          if (!call.write(bytesOf(event))) {
            waiting = true;
            call.once("drain", () => {
              waiting = false;
              pump();
            });
          }
        }
      } catch (err) {
        ctx.log(`${WATCH_METHOD} failed: ${(err as Error).message}`);
        end(grpc.status.INTERNAL, (err as Error).message);
      }
    };
    const ready = () => {
      if (scheduled || waiting || ended) return;
      scheduled = true;
      queueMicrotask(pump);
    };
    call.on("cancelled", () => end(grpc.status.CANCELLED, "cancelled"));
    try {
      const request: unknown = call.request;
      if (request instanceof UndecodableRequest) {
        throw new ControlPlaneError("INVALID_ARGUMENT", request.problem);
      }
      ctx.authorize?.(WATCH_METHOD, call.request, call);
      watch = hub.watch(filterOf(call.request), call.request.resume_token ?? "", {
        ready,
        dropped(reason) {
          ctx.log(`watch from ${call.getPeer()} dropped: ${reason}`);
          end(grpc.status.RESOURCE_EXHAUSTED, reason);
        },
      });
    } catch (err) {
      const status = toStatus(err);
      if (status.code === grpc.status.INTERNAL) ctx.log(`${WATCH_METHOD} failed: ${status.details}`);
      end(status.code, status.details);
      return;
    }
    open.add(end);
    ready();
  };

  // Events go out already encoded; anything else is encoded as before.
  const passEncoded = (reply: unknown) => Buffer.isBuffer(reply) ? reply : encode(reply as Message);
  server.addService({ Watch: { ...method, responseSerialize: passEncoded } }, { Watch });
  return {
    hub,
    close() {
      for (const end of [...open]) {
        end(
          grpc.status.UNAVAILABLE,
          "the control plane is stopping: watch again with the resume_token of the last event received",
        );
      }
      hub.close();
    },
  };
}

function filterOf(request: Message): DiscoveryFilter {
  return {
    type: enumFromWire(
      "type",
      request.type ?? "COMPONENT_TYPE_UNSPECIFIED",
      "COMPONENT_TYPE",
      COMPONENT_TYPES,
    ),
    eventTypes: request.event_types ?? [],
    metadata: request.metadata_filters ?? {},
  };
}

function eventTo(e: WatchEvent): Message {
  return {
    kind: `KIND_${e.kind}`,
    revision: e.revision,
    resume_token: e.resumeToken,
    service_id: e.serviceId,
    state: e.record && statusTo(e.record),
    previous_status: e.previousStatus === undefined
      ? undefined
      : enumToWire("HEALTH_STATUS", e.previousStatus),
    start: e.start && `START_${e.start}`,
  };
}
