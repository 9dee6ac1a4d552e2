/**
 * Real-time discovery (flowctl.watch.v1.ComponentWatch), without sockets. The
 * registry's changes of registration and health go into a bounded log, each
 * with a revision; every watch is a cursor into that log with the filters of
 * DiscoverComponents (matched by the registry's own `matchesDiscovery`). A
 * watch begins with a snapshot of what matches, or, resumed with a token, with
 * the changes it missed; then it follows the log. The transport
 * (watch_service.ts) takes events with `next()` as fast as its client reads,
 * so a watch's queue is the part of the shared log it has not been sent: it
 * costs a cursor, not a copy. One that falls more than `maxBehind` changes
 * behind, or whose next change the log no longer holds, is dropped.
 *
 * Heartbeats that change only metrics are not changes here: the stream carries
 * registration and health, and stays small.
 */
import { jsonBytes } from "./json_size.ts";
import {
  checkMap,
  checkText,
  type ComponentRecord,
  ControlPlaneError,
  type DiscoveryFilter,
  type HealthStatus,
  LIMITS,
  matchesDiscovery,
  type Registry,
  type RegistryChange,
} from "./registry.ts";

export const WATCH_LIMITS = {
  /** Watches open at once; past it a new one is RESOURCE_EXHAUSTED. */
  maxSubscribers: 1024,
  /**
   * Changes made since a watch opened that it may be behind (not yet handed
   * to its client) before it is dropped: a sweep that expires every component
   * at once (10,000) fits.
   */
  maxBehind: 10_000,
  /** Changes the log keeps, for watches behind and for resuming ... */
  logEntries: 20_000,
  /** ... and the bytes of their records and encoded events together: the fewer of the two. */
  logBytes: 32 * 1024 * 1024,
};
export type WatchLimits = typeof WATCH_LIMITS;

/** Bytes a watch's filters may take (JSON), as one component's record. */
const MAX_FILTER_BYTES = LIMITS.maxComponentBytes;

export type WatchEventKind = "SNAPSHOT" | "SYNCED" | "REGISTERED" | "HEALTH_CHANGED" | "UNREGISTERED";

/** How a watch began: no token; the changes since its token; a snapshot since the log no longer holds them, or the token is from another run. */
export type WatchStart = "NEW" | "RESUMED" | "TOKEN_TOO_OLD" | "RESTARTED";

export interface WatchEvent {
  kind: WatchEventKind;
  revision: number;
  /** What a client sends to resume after this event; empty on SNAPSHOT events (a snapshot cut short is sent again whole). */
  resumeToken: string;
  /** Empty on SYNCED. */
  serviceId: string;
  /** The component as it is (SNAPSHOT), after the change, or as it was last (UNREGISTERED). */
  record?: ComponentRecord;
  /** HEALTH_CHANGED: the status before. */
  previousStatus?: HealthStatus;
  /** On SNAPSHOT and SYNCED. */
  start?: WatchStart;
}

/** What a watch's transport is told: more events to take, or that the watch was dropped (then nothing more comes). */
export interface WatchListener {
  ready(): void;
  dropped(reason: string): void;
}

interface Change {
  revision: number;
  cause: "registered" | "health" | "unregistered";
  before?: ComponentRecord;
  after?: ComponentRecord;
  bytes: number;
  /** One event object per kind, shared by every watch that sends it: the transport encodes it once. */
  events: Partial<Record<WatchEventKind, WatchEvent>>;
}

export interface WatchHubOptions {
  limits?: Partial<WatchLimits>;
  /** Tells tokens of this run from those of another; random unless given (tests). */
  epoch?: string;
  log?(line: string): void;
}

/** The changes log and the open watches of one control plane run. */
export class WatchHub {
  readonly epoch: string;
  readonly limits: WatchLimits;
  private log: Change[] = [];
  /** Index in `log` of the oldest change kept (the array is compacted now and then, not shifted each time). */
  private first = 0;
  private logBytes = 0;
  private head = 0;
  private watches = new Set<Watch>();
  private stopListening: () => void;
  /** The last snapshot event made of each record: watches opened together (a reconnect storm) share it, and its encoding. */
  private snapshotEvents = new WeakMap<ComponentRecord, WatchEvent>();

  constructor(private registry: Registry, options: WatchHubOptions = {}) {
    this.limits = { ...WATCH_LIMITS, ...options.limits };
    this.epoch = options.epoch ?? randomEpoch();
    this.stopListening = registry.onChange((change) => {
      try {
        this.record(change);
      } catch (err) {
        // A bug here must not undo or fail the registry's change.
        options.log?.(`watch: ${(err as Error).stack ?? err}`);
      }
    });
  }

  /** The revision of the latest change. */
  get revision(): number {
    return this.head;
  }

  /** Watches open now. */
  get size(): number {
    return this.watches.size;
  }

  /**
   * Opens a watch: a snapshot of what `filter` matches, or the changes since
   * `resumeToken` when the log still holds them; then the changes as they
   * come. RESOURCE_EXHAUSTED past the cap or for filters over 64 KiB,
   * INVALID_ARGUMENT for a token this run could not have given.
   */
  watch(filter: DiscoveryFilter, resumeToken: string, listener: WatchListener): Watch {
    checkFilter(filter);
    if (this.watches.size >= this.limits.maxSubscribers) {
      throw new ControlPlaneError(
        "RESOURCE_EXHAUSTED",
        `${this.limits.maxSubscribers} watches are open, the most this control plane serves: watch again later`,
      );
    }
    let start: WatchStart = "NEW";
    let cursor = this.head;
    if (resumeToken) {
      const token = parseToken(resumeToken);
      if (token.epoch !== this.epoch) start = "RESTARTED";
      else if (token.revision > this.head) {
        throw new ControlPlaneError("INVALID_ARGUMENT", "resume_token is not one this server gave");
      } else if (token.revision < this.oldest() - 1) start = "TOKEN_TOO_OLD";
      else {
        start = "RESUMED";
        cursor = token.revision;
      }
    }
    const snapshot = start === "RESUMED"
      ? undefined
      : this.registry.discover(filter.type, filter.eventTypes, filter.metadata);
    const watch = new Watch(this, filter, listener, start, cursor, snapshot);
    this.watches.add(watch);
    return watch;
  }

  /** Stops following the registry (the watches' transports end them). */
  close(): void {
    this.stopListening();
    this.watches.clear();
  }

  token(revision: number): string {
    return `${this.epoch}-${revision}`;
  }

  /** The change after `revision`, if the log holds it. */
  changeAfter(revision: number): Change | undefined {
    const index = this.first + (revision + 1 - this.oldest());
    return index >= this.first && index < this.log.length ? this.log[index] : undefined;
  }

  snapshotEvent(record: ComponentRecord, revision: number, start: WatchStart): WatchEvent {
    const known = this.snapshotEvents.get(record);
    if (known?.revision === revision && known.start === start) return known;
    const event: WatchEvent = {
      kind: "SNAPSHOT",
      revision,
      resumeToken: "",
      serviceId: record.serviceId,
      record,
      start,
    };
    this.snapshotEvents.set(record, event);
    return event;
  }

  forget(watch: Watch): void {
    this.watches.delete(watch);
  }

  /** The event a change makes for `filter`, or undefined when the watch does not see it. */
  eventFor(change: Change, filter: DiscoveryFilter): WatchEvent | undefined {
    const was = change.before !== undefined && matchesDiscovery(change.before.component, filter);
    const is = change.after !== undefined && matchesDiscovery(change.after.component, filter);
    // A registration again is news even with nothing changed: the component restarted.
    const kind: WatchEventKind | undefined = is && (!was || change.cause === "registered")
      ? "REGISTERED"
      : was && !is
      ? "UNREGISTERED"
      : was && is && change.cause === "health"
      ? "HEALTH_CHANGED"
      : undefined;
    if (!kind) return undefined;
    return change.events[kind] ??= {
      kind,
      revision: change.revision,
      resumeToken: this.token(change.revision),
      serviceId: (change.after ?? change.before)!.serviceId,
      record: kind === "UNREGISTERED" ? change.before : change.after,
      previousStatus: kind === "HEALTH_CHANGED" ? change.before!.status : undefined,
    };
  }

  /** The revision of the oldest change the log holds (head + 1 when it holds none). */
  private oldest(): number {
    return this.first < this.log.length ? this.log[this.first].revision : this.head + 1;
  }

  private record({ cause, before, after }: RegistryChange): void {
    let kind: Change["cause"];
    if (cause === "register") kind = "registered";
    else if (cause === "unregister") kind = "unregistered";
    else if (before && after && before.status !== after.status) kind = "health";
    else return; // metrics only
    // The records' JSON, and once more for the events encoded from it (protobuf takes less than JSON).
    const bytes = 2 * jsonBytes(after ?? before) + (before && after ? jsonBytes(before) : 0);
    this.log.push({ revision: ++this.head, cause: kind, before, after, bytes, events: {} });
    this.logBytes += bytes;
    const { logEntries, logBytes, maxBehind } = this.limits;
    // The newest change is always kept, whatever its size.
    while (
      this.log.length - this.first > 1 &&
      (this.log.length - this.first > logEntries || this.logBytes > logBytes)
    ) {
      this.logBytes -= this.log[this.first].bytes;
      this.first++;
    }
    if (this.first > 1024 && this.first * 2 > this.log.length) {
      this.log = this.log.slice(this.first);
      this.first = 0;
    }
    const oldest = this.oldest();
    for (const watch of this.watches) {
      // What a resumed watch missed is not held against it: only what came since it opened.
      const behind = this.head - Math.max(watch.cursor, watch.syncRevision);
      if (behind > maxBehind) {
        this.drop(
          watch,
          `this watch is ${behind} changes behind, more than the ${maxBehind} it may be: its client reads too slowly`,
        );
      } else if (watch.cursor < oldest - 1) {
        this.drop(
          watch,
          `the control plane no longer holds the changes this watch has not been sent (its log keeps ${logEntries} changes or ${logBytes} bytes)`,
        );
      } else watch.wake();
    }
  }

  private drop(watch: Watch, why: string): void {
    watch.drop(`${why}; watch again with the resume_token of the last event received`);
  }
}

/** One watch: its filters, where it is in the log, and what of its snapshot it has yet to send. */
export class Watch {
  private snapshotSent = 0;
  private synced = false;
  private closed = false;
  /** The revision the watch is in sync at: the snapshot's, or the head when it resumed. */
  readonly syncRevision: number;

  constructor(
    private hub: WatchHub,
    readonly filter: DiscoveryFilter,
    private listener: WatchListener,
    readonly start: WatchStart,
    /** The revision of the last change handed over (or passed by, not matching). */
    public cursor: number,
    private snapshot: ComponentRecord[] | undefined,
  ) {
    this.syncRevision = hub.revision;
  }

  /** The next event to send, or undefined when there is none yet (then `ready()` says when there is). */
  next(): WatchEvent | undefined {
    if (this.closed) return undefined;
    const snapshot = this.snapshot;
    if (snapshot && this.snapshotSent < snapshot.length) {
      return this.hub.snapshotEvent(snapshot[this.snapshotSent++], this.syncRevision, this.start);
    }
    this.snapshot = undefined; // sent: its records are the registry's or garbage again
    while (true) {
      if (!this.synced && this.cursor >= this.syncRevision) {
        this.synced = true;
        const revision = this.syncRevision;
        return {
          kind: "SYNCED",
          revision,
          resumeToken: this.hub.token(revision),
          serviceId: "",
          start: this.start,
        };
      }
      const change = this.hub.changeAfter(this.cursor);
      if (!change) return undefined;
      this.cursor = change.revision;
      const event = this.hub.eventFor(change, this.filter);
      if (event) return event;
    }
  }

  /** Ends the watch from the client's side (it left, or the transport ends it). */
  close(): void {
    this.closed = true;
    this.snapshot = undefined;
    this.hub.forget(this);
  }

  wake(): void {
    if (!this.closed) this.listener.ready();
  }

  drop(reason: string): void {
    if (this.closed) return;
    this.close();
    this.listener.dropped(reason);
  }
}

/** Filters are kept for as long as the watch is open, so they are capped like a component's record. */
function checkFilter(filter: DiscoveryFilter): void {
  checkMap("metadata_filters", filter.metadata);
  if (filter.eventTypes.length > LIMITS.maxEntries) {
    throw new ControlPlaneError(
      "RESOURCE_EXHAUSTED",
      `event_types has more than ${LIMITS.maxEntries} entries`,
    );
  }
  for (const t of filter.eventTypes) checkText("event type", t);
  const bytes = jsonBytes(filter);
  if (bytes > MAX_FILTER_BYTES) {
    throw new ControlPlaneError(
      "RESOURCE_EXHAUSTED",
      `the watch's filters take ${bytes} bytes; the limit is ${MAX_FILTER_BYTES}`,
    );
  }
}

/** A token is `<epoch>-<revision>`; clients keep it as it came and need not read it. */
function parseToken(token: string): { epoch: string; revision: number } {
  const match = /^([0-9a-f]{16})-(\d{1,15})$/.exec(token);
  if (!match) throw new ControlPlaneError("INVALID_ARGUMENT", "resume_token is not one this server gave");
  return { epoch: match[1], revision: Number(match[2]) };
}

function randomEpoch(): string {
  return [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
