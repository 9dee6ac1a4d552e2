/**
 * Opens the store at the --db path, whatever is found there:
 * - nothing (or an empty file): a new database;
 * - a database: checked with SQLite's integrity check, then read;
 * - an older version's JSON-lines file: converted once into a database, and
 *   the file kept beside it as `<path>.jsonl-imported`;
 * - a damaged database: what can be read is kept in a new database, and the
 *   damaged file (with its -wal and -shm) is kept as `<path>.damaged`;
 * - the Go flowctl's BoltDB file: refused, and left as it is.
 * A conversion or recovery builds the new database completely as
 * `<path>.replacement` before anything is moved, so a crash part-way leaves
 * either the old state or a replacement the next start finishes putting in
 * place. Every line or row that is not loaded is in the report.
 */
import { readJsonLines } from "./json_lines.ts";
import { DatabaseSync } from "./sqlite.ts";
import { migrate, openDatabase, readAll, rowsOf, writeRows } from "./sqlite_database.ts";
import { salvageRows } from "./sqlite_salvage.ts";
import { SqliteStore } from "./sqlite_store.ts";
import type { Buckets, Skipped, StoreReport } from "./store.ts";

const SQLITE_HEADER = new TextEncoder().encode("SQLite format 3\0");
/** BoltDB's magic number (0xED0CDAED, little-endian) after the 16-byte header of its first page. */
const BOLTDB_MAGIC = { offset: 16, bytes: [0xed, 0xda, 0x0c, 0xed] };
/** SQLite's own words for a file that is not (or no longer) a sound database. */
const DAMAGE = /file is not a database|malformed/;
/** Files SQLite keeps beside a database; they belong to it and move with it. */
const COMPANIONS = ["-wal", "-shm", "-journal"];

/** What the file at the path is kept as when it is replaced. */
type Suffix = "jsonl-imported" | "damaged";

export interface OpenedStore {
  store: SqliteStore;
  data: Buckets;
  report: StoreReport;
}

/** `writerModule`: what the store's writer worker runs (SqliteStore.start). */
export async function openStore(path: string, writerModule?: string): Promise<OpenedStore> {
  const finished = finishReplacement(path);
  const head = readHead(path);
  // The Go flowctl's server keeps its registry in BoltDB (--db-path); set aside as damaged, it would look lost.
  if (BOLTDB_MAGIC.bytes.every((b, i) => head[BOLTDB_MAGIC.offset + i] === b)) {
    throw new Error(`${path} is a BoltDB file, as the Go flowctl server keeps; this control plane does not read it and leaves it alone: give another path`);
  }
  if (head.length > 0 && !startsWith(head, SQLITE_HEADER)) {
    const bytes = Deno.readFileSync(path);
    const lines = readJsonLines(bytes);
    // A text file with no readable line is still the old format; binary is a database whose first page is gone.
    if (lines.applied > 0 || !bytes.includes(0)) {
      const keptAs = replace(path, lines.data, "jsonl-imported");
      const opened = await openHealthy(path, writerModule);
      opened.report.skipped.unshift(...lines.skipped);
      opened.report.imported = { rows: count(lines.data), keptAs };
      return opened;
    }
  }
  const problem = head.length > 0 ? damage(path) : undefined;
  if (problem) {
    const salvaged = salvageRows(path);
    const keptAs = replace(path, salvaged.data, "damaged");
    const opened = await openHealthy(path, writerModule);
    opened.report.skipped.unshift(...salvaged.skipped);
    opened.report.recovered = { rows: count(salvaged.data), keptAs, problem };
    return opened;
  }
  const opened = await openHealthy(path, writerModule);
  if (finished?.kind === "jsonl-imported") {
    opened.report.imported = { rows: count(opened.data), keptAs: finished.keptAs };
  }
  if (finished?.kind === "damaged") {
    const problem = "the recovery of a damaged file was cut short by a crash and is now finished";
    opened.report.recovered = { rows: count(opened.data), keptAs: finished.keptAs, problem };
  }
  return opened;
}

/** Opens a sound database (or creates one), brings its schema up to date, reads it, and starts its writer. */
async function openHealthy(path: string, writerModule?: string): Promise<OpenedStore> {
  createPrivateFile(path);
  const db = openDatabase(path);
  let loaded: { data: Buckets; skipped: Skipped[] };
  try {
    migrate(db);
    loaded = readAll(db);
  } finally {
    db.close();
  }
  return { store: await SqliteStore.start(path, writerModule), data: loaded.data, report: { skipped: loaded.skipped } };
}

/** What is wrong with the database file, by SQLite's integrity check; undefined when it is sound. */
function damage(path: string): string | undefined {
  let db: DatabaseSync | undefined;
  try {
    // Read-only: a damaged file is not written to, not even by a checkpoint on close.
    db = new DatabaseSync(path, { readOnly: true });
    const rows = db.prepare("PRAGMA integrity_check(20)").all() as { integrity_check: string }[];
    const messages = rows.map((r) => r.integrity_check);
    return messages.join("; ") === "ok" ? undefined : messages.join("; ");
  } catch (err) {
    const message = (err as Error).message;
    if (DAMAGE.test(message)) return message;
    throw new Error(`cannot read the store ${path}: ${message}`);
  } finally {
    db?.close();
  }
}

/** Builds `data` into `<path>.replacement`, then swaps it in, keeping the old file as `<path>.<suffix>`. */
function replace(path: string, data: Buckets, suffix: Suffix): string {
  const building = `${path}.replacement-tmp`;
  removeWithCompanions(building);
  createPrivateFile(building);
  const db = openDatabase(building, "DELETE");
  try {
    migrate(db);
    writeRows(db, rowsOf(data));
  } finally {
    db.close();
  }
  Deno.renameSync(building, `${path}.replacement`);
  syncDirectory(path);
  return swapIn(path, suffix);
}

/** A replacement a crash left complete but not yet in place: put it there (the old file was never changed). */
function finishReplacement(path: string): { kind: Suffix; keptAs: string } | undefined {
  removeWithCompanions(`${path}.replacement-tmp`);
  if (!exists(`${path}.replacement`)) return undefined;
  if (!exists(path)) {
    // The crash came after the old file was moved aside: only the last step is left.
    swapIn(path, "damaged");
    return undefined;
  }
  const kind: Suffix = startsWith(readHead(path), SQLITE_HEADER) ? "damaged" : "jsonl-imported";
  return { kind, keptAs: swapIn(path, kind) };
}

function swapIn(path: string, suffix: Suffix): string {
  const keptAs = freeName(`${path}.${suffix}`);
  // The companions first: a write-ahead log must never sit next to a database it does not belong to.
  for (const c of COMPANIONS) if (exists(path + c)) Deno.renameSync(path + c, keptAs + c);
  if (exists(path)) Deno.renameSync(path, keptAs);
  Deno.renameSync(`${path}.replacement`, path);
  syncDirectory(path);
  return keptAs;
}

/** `name`, or `name-2`, `name-3`…: the first that is free along with its companions. */
function freeName(name: string): string {
  for (let n = 1;; n++) {
    const candidate = n === 1 ? name : `${name}-${n}`;
    if (![candidate, ...COMPANIONS.map((c) => candidate + c)].some(exists)) return candidate;
  }
}

function count(data: Buckets): number {
  return data.services.size + data.runs.size;
}

function readHead(path: string): Uint8Array {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return new Uint8Array();
    throw err;
  }
  try {
    const head = new Uint8Array(BOLTDB_MAGIC.offset + BOLTDB_MAGIC.bytes.length);
    let got = 0;
    while (got < head.length) {
      const n = file.readSync(head.subarray(got));
      if (n === null) break;
      got += n;
    }
    return head.subarray(0, got);
  } finally {
    file.close();
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** The store holds what components told it: readable by its owner only (SQLite's companions take the same mode). */
function createPrivateFile(path: string): void {
  Deno.openSync(path, { create: true, write: true, mode: 0o600 }).close();
}

function removeWithCompanions(path: string): void {
  for (const p of [path, ...COMPANIONS.map((c) => path + c)]) if (exists(p)) Deno.removeSync(p);
}

/** Makes renames in the file's directory durable (else a power loss could undo them). */
function syncDirectory(path: string): void {
  const slash = path.lastIndexOf("/");
  const dir = Deno.openSync(slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".", { read: true });
  try {
    dir.syncSync();
  } finally {
    dir.close();
  }
}
