/** A client of flowctl.watch.v1.ComponentWatch for tests and the bench: it keeps every event and how the stream ended. */
import * as grpc from "@grpc/grpc-js";
import type { ClientConnection } from "../../controlplane/client_credentials.ts";
import { protoPackage } from "../../controlplane/grpc_service.ts";

// deno-lint-ignore no-explicit-any
export type WatchEventMessage = any;

export interface Watcher {
  events: WatchEventMessage[];
  /** How the stream ended, once it has (a status, or undefined while it runs). */
  ended?: { code: grpc.status; details: string };
  stream: grpc.ClientReadableStream<WatchEventMessage>;
  /** Resolves once `done(events)` holds; rejects after `ms` with what arrived, or when the stream ends first. */
  until(done: (events: WatchEventMessage[]) => boolean, ms?: number): Promise<void>;
  /** Called with each event as it arrives (the bench times them). */
  onEvent?: (event: WatchEventMessage) => void;
  /** Cancels the stream and closes the connection. */
  close(): void;
}

/** A watch on its own connection (its own subchannel: watchers are separate clients, as components are). */
export function watch(
  port: number,
  request: Record<string, unknown> = {},
  host = "127.0.0.1",
  connection?: ClientConnection,
): Watcher {
  const Ctor = protoPackage().flowctl.watch.v1.ComponentWatch;
  const client = new Ctor(`${host}:${port}`, connection?.credentials ?? grpc.credentials.createInsecure(), {
    ...connection?.options,
    "grpc.use_local_subchannel_pool": 1,
  });
  const stream: grpc.ClientReadableStream<WatchEventMessage> = client.Watch(request);
  const waiters = new Set<() => void>();
  const watcher: Watcher = {
    events: [],
    stream,
    until(done, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (done(watcher.events)) finish(resolve);
          else if (watcher.ended) {
            finish(() =>
              reject(
                new Error(
                  `the watch ended (${JSON.stringify(watcher.ended)}) after ${describe(watcher.events)}`,
                ),
              )
            );
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`timed out after ${describe(watcher.events)}`))),
          ms,
        );
        const finish = (then: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check(); // it may have ended already
      });
    },
    close() {
      stream.cancel();
      client.close();
    },
  };
  const wake = () => {
    for (const check of [...waiters]) check();
  };
  stream.on("data", (event: WatchEventMessage) => {
    watcher.events.push(event);
    watcher.onEvent?.(event);
    wake();
  });
  stream.on("error", (err: grpc.ServiceError) => {
    watcher.ended = { code: err.code, details: err.details };
    wake();
  });
  stream.on("end", () => {
    watcher.ended ??= { code: grpc.status.OK, details: "" };
    wake();
  });
  return watcher;
}

/** An event as one line: `KIND service_id STATUS`, with `was STATUS` and the start where there are. */
export function eventLine(e: WatchEventMessage): string {
  const bare = (s: string) => s.replace(/^(KIND|HEALTH_STATUS|START)_/, "");
  return [
    bare(e.kind),
    e.service_id,
    e.state && bare(e.state.status),
    e.kind === "KIND_HEALTH_CHANGED" && `was ${bare(e.previous_status)}`,
    (e.kind === "KIND_SNAPSHOT" || e.kind === "KIND_SYNCED") && bare(e.start),
  ].filter(Boolean).join(" ");
}

function describe(events: WatchEventMessage[]): string {
  return `${events.length} events: ${events.map(eventLine).join(", ")}`;
}
