/**
 * The store's database file: its schema (versioned with `PRAGMA
 * user_version`; a file newer than this code knows is refused rather than
 * guessed at), the settings of every connection (a write-ahead log,
 * synchronous=FULL: when COMMIT returns, the change has been handed to the
 * disk with fsync), and reading and writing rows: one table per bucket, each
 * row a key and its value as JSON text.
 */
import { DatabaseSync, type StatementSync } from "./sqlite.ts";
import { type Bucket, BUCKETS, type Buckets, emptyBuckets, type Skipped } from "./store.ts";

export const SCHEMA_VERSION = 1;

/** MIGRATIONS[n] takes a database from user_version n to n + 1. */
const MIGRATIONS = [
  BUCKETS.map((b) =>
    `CREATE TABLE IF NOT EXISTS ${b} (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;`
  ).join("\n"),
];

/** Opens a database file with the settings every connection of the store uses. */
export function openDatabase(path: string, journal: "WAL" | "DELETE" = "WAL"): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA journal_mode = ${journal}; PRAGMA synchronous = FULL;`);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Brings the schema to SCHEMA_VERSION, in one transaction. */
export function migrate(db: DatabaseSync): void {
  const version = Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `the store was written by a newer flowctl (schema ${version}; this one knows up to ${SCHEMA_VERSION})`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  transaction(db, () => {
    for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  });
}

/** Every row, parsed; rows whose value is not JSON are skipped and reported. */
export function readAll(db: DatabaseSync): { data: Buckets; skipped: Skipped[] } {
  const data = emptyBuckets();
  const skipped: Skipped[] = [];
  for (const bucket of BUCKETS) {
    for (const row of db.prepare(`SELECT key, value FROM ${bucket} ORDER BY key`).iterate()) {
      const { key, value } = row as { key: string; value: string };
      const parsed = parseJson(value);
      if (parsed.ok) data[bucket].set(key, parsed.value);
      else {skipped.push({
          where: `${bucket} row ${JSON.stringify(key.slice(0, 80))}`,
          reason: "its value is not JSON",
        });}
    }
  }
  return { data, skipped };
}

/** A put (JSON text) or a delete (null) of one key, as the writer gets it. */
export type Row = [bucket: Bucket, key: string, json: string | null];

const statements = new WeakMap<DatabaseSync, Record<Bucket, { put: StatementSync; remove: StatementSync }>>();

/** Writes rows in one transaction. */
export function writeRows(db: DatabaseSync, rows: Iterable<Row>): void {
  let prepared = statements.get(db);
  if (!prepared) {
    const forBucket = (b: Bucket) => ({
      put: db.prepare(
        `INSERT INTO ${b} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ),
      remove: db.prepare(`DELETE FROM ${b} WHERE key = ?`),
    });
    prepared = { services: forBucket("services"), runs: forBucket("runs") };
    statements.set(db, prepared);
  }
  const use = prepared;
  transaction(db, () => {
    for (const [bucket, key, json] of rows) {
      if (json === null) use[bucket].remove.run(key);
      else use[bucket].put.run(key, json);
    }
  });
}

/** Every value of `data` as rows (a new file's first contents). */
export function rowsOf(data: Buckets): Row[] {
  return BUCKETS.flatMap((b) => [...data[b]].map(([key, value]): Row => [b, key, JSON.stringify(value)]));
}

function transaction(db: DatabaseSync, body: () => void): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    body();
    db.exec("COMMIT");
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
