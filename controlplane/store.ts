/**
 * Where the control plane keeps its state: named buckets (registered
 * services, pipeline runs) of JSON values by key, changed one put or delete at
 * a time. A change is visible at once; `flush()` resolves when every change
 * made so far would survive a crash, and the server answers a request only
 * after that. Many requests share one flush (group commit), so 1,000
 * heartbeats a second cost a few disk syncs, not 1,000.
 */

export type Bucket = "services" | "runs";

/** A put (with `value`) or a delete (without). */
export interface Change {
  bucket: Bucket;
  key: string;
  value?: unknown;
}

export type Buckets = Record<Bucket, Map<string, unknown>>;

export interface Store {
  append(change: Change): void;
  flush(): Promise<void>;
  close(): void;
}

export function emptyBuckets(): Buckets {
  return { services: new Map(), runs: new Map() };
}

/** One change applied to in-memory buckets: the stores and replay use it. */
export function applyChange(buckets: Buckets, change: Change): void {
  const bucket = buckets[change.bucket];
  if (!bucket) return; // a bucket from a newer version: not ours to read
  if (change.value === undefined) bucket.delete(change.key);
  else bucket.set(change.key, change.value);
}

/** `--in-memory`: nothing is kept across a restart. */
export class MemoryStore implements Store {
  append(): void {}
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}
