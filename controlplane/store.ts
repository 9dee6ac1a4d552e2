/**
 * Where the control plane keeps its state: named buckets (registered
 * services, pipeline runs) of JSON values by key, changed one put or delete at
 * a time. A change is visible at once; `flush()` resolves when every change
 * made so far would survive a crash, and the server answers a request only
 * after that. Many requests share one flush (group commit), so 1,000
 * heartbeats a second cost a few disk syncs, not 1,000.
 */

export const BUCKETS = ["services", "runs"] as const;
export type Bucket = (typeof BUCKETS)[number];

/** A put (with `value`) or a delete (without). */
export interface Change {
  bucket: Bucket;
  key: string;
  value?: unknown;
}

/** Stored values by bucket and key; Maps, so any key (`constructor`, `__proto__`) is just data. */
export type Buckets = Record<Bucket, Map<string, unknown>>;

export interface Store {
  append(change: Change): void;
  flush(): Promise<void>;
  /** Commits what is left and lets go of the file. */
  close(): Promise<void>;
  /** Transactions committed so far: fewer than the flushes when group commit works. */
  readonly commits: number;
}

/** A line or row that was not loaded, and why: reported, never dropped in silence. */
export interface Skipped {
  where: string;
  reason: string;
}

/** What opening a store found besides the values. */
export interface StoreReport {
  skipped: Skipped[];
  /** An older version's JSON-lines file was converted: rows written, and where the old file is kept. */
  imported?: { rows: number; keptAs: string };
  /** The database was damaged: rows read out of it, where it is kept, and what was wrong. */
  recovered?: { rows: number; keptAs: string; problem: string };
}

export function emptyBuckets(): Buckets {
  return { services: new Map(), runs: new Map() };
}

export function isBucket(name: unknown): name is Bucket {
  return BUCKETS.some((b) => b === name);
}

/** `--in-memory`: nothing is kept across a restart. */
export class MemoryStore implements Store {
  readonly commits = 0;
  append(): void {}
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
