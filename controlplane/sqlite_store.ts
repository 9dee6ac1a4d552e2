/**
 * The control plane's persistent store: SQLite (sqlite_database.ts), written
 * by a worker of its own (sqlite_writer.ts) so that this thread keeps serving
 * while a COMMIT waits for the disk.
 *
 * Group commit: `append` queues a change, and `flush` sends what is queued to
 * the writer as one transaction, unless one is being written: then the
 * changes wait, with those of every request that arrives meanwhile, and all go
 * in the next one. Several changes to one key in a batch are written once, as
 * the last one. `flush` resolves after the COMMIT that holds everything
 * appended before it.
 */
import type { Row } from "./sqlite_database.ts";
import type { WriterReply, WriterRequest } from "./sqlite_writer.ts";
import type { Change, Store } from "./store.ts";

/** The name the writer's worker runs under: a bundle that is its own writer (host/control_plane_image.ts) looks for it. */
export const WRITER_NAME = "flowctl-store-writer";

interface Batch {
  changes: Map<string, Change>;
  waiting: { resolve: () => void; reject: (err: Error) => void }[];
}

export class SqliteStore implements Store {
  /** Changes not yet sent to the writer, by bucket and key: the last change to a key wins. */
  private pending: Batch = { changes: new Map(), waiting: [] };
  /** The batch the writer is committing. */
  private writing?: Batch & { id: number };
  private nextId = 1;
  private closed?: () => void;
  /** Set when the writer itself died: nothing can be committed any more. */
  private broken?: Error;
  commits = 0;

  private constructor(private writer: Worker) {
    writer.onmessage = ({ data }: MessageEvent<WriterReply>) => this.onReply(data);
    writer.onerror = (event) => {
      event.preventDefault();
      this.broken = new Error(`the store's writer stopped: ${event.message}`);
      for (const batch of [this.writing, this.pending]) {
        for (const w of batch?.waiting ?? []) w.reject(this.broken);
      }
      this.writing = undefined;
      this.pending.waiting = [];
      this.closed?.();
    };
  }

  /**
   * Starts the writer on a database file that is already created and
   * migrated. `writerModule` is what the worker runs: sqlite_writer.ts, or a
   * bundle that holds it.
   */
  static start(path: string, writerModule = new URL("./sqlite_writer.ts", import.meta.url).href): Promise<SqliteStore> {
    const writer = new Worker(writerModule, { type: "module", name: WRITER_NAME });
    return new Promise((resolve, reject) => {
      writer.onmessage = ({ data }: MessageEvent<WriterReply>) => {
        if (data.kind === "opened") resolve(new SqliteStore(writer));
      };
      writer.onerror = (event) => {
        event.preventDefault();
        writer.terminate();
        reject(new Error(`cannot start the store's writer for ${path}: ${event.message}`));
      };
      writer.postMessage({ kind: "open", path } satisfies WriterRequest);
    });
  }

  append(change: Change): void {
    this.pending.changes.set(`${change.bucket}\u0000${change.key}`, change);
  }

  /** Resolves once everything appended before the call is committed. */
  flush(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.pending.changes.size === 0) {
      // What was appended is in the batch being written (or written already).
      const writing = this.writing;
      if (!writing) return Promise.resolve();
      return new Promise((resolve, reject) => writing.waiting.push({ resolve, reject }));
    }
    return new Promise((resolve, reject) => {
      this.pending.waiting.push({ resolve, reject });
      if (!this.writing) this.send();
    });
  }

  /** Commits what is left, then stops the writer. */
  async close(): Promise<void> {
    await this.flush().catch(() => {}); // a failure was reported to the flushes waiting for it
    if (!this.broken) {
      await new Promise<void>((resolve) => {
        this.closed = resolve;
        this.writer.postMessage({ kind: "close" } satisfies WriterRequest);
      });
    }
    this.writer.terminate();
  }

  private send(): void {
    const batch = this.pending;
    this.pending = { changes: new Map(), waiting: [] };
    this.writing = { ...batch, id: this.nextId++ };
    const rows = [...batch.changes.values()].map(({ bucket, key, value }): Row => [
      bucket,
      key,
      value === undefined ? null : JSON.stringify(value),
    ]);
    this.writer.postMessage({ kind: "commit", id: this.writing.id, rows } satisfies WriterRequest);
  }

  private onReply(reply: WriterReply): void {
    if (reply.kind === "closed") return this.closed?.();
    const batch = this.writing;
    if (!batch || reply.kind === "opened" || reply.id !== batch.id) return;
    this.writing = undefined;
    if (reply.kind === "committed") {
      this.commits++;
      for (const w of batch.waiting) w.resolve();
    } else {
      // Not on disk: the changes go back (unless newer ones replaced them) for the next flush to retry.
      for (const [k, change] of batch.changes) {
        if (!this.pending.changes.has(k)) this.pending.changes.set(k, change);
      }
      const err = new Error(reply.message);
      for (const w of batch.waiting) w.reject(err);
    }
    if (this.pending.waiting.length) this.send();
  }
}
