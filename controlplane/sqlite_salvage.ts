/**
 * Reads what can still be read out of a damaged database file, without
 * writing to it (read-only: the file and its write-ahead log stay as they
 * were, for whoever looks at them later). Each bucket's table is walked in
 * rowid order; where a stretch of it cannot be read, the walk searches for the
 * first rowid after it that can and goes on from there. Then the key index is
 * walked from both ends, and a row it lists that the walk missed is fetched
 * alone. A row known to the index but unreadable is reported by its key.
 */
import { DatabaseSync } from "./sqlite.ts";
import { BUCKETS, type Buckets, emptyBuckets, type Skipped } from "./store.ts";

const LOWEST = -Number.MAX_SAFE_INTEGER;
const HIGHEST = Number.MAX_SAFE_INTEGER;

interface Row {
  id: number;
  key: string;
  value: string;
}

export function salvageRows(path: string): { data: Buckets; skipped: Skipped[] } {
  const data = emptyBuckets();
  const skipped: Skipped[] = [];
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { readOnly: true });
  } catch (err) {
    skipped.push({ where: "the whole file", reason: `cannot be opened: ${(err as Error).message}` });
    return { data, skipped };
  }
  try {
    for (const bucket of BUCKETS) {
      const rows = salvageTable(db, bucket, skipped);
      for (const row of [...rows.values()].sort((a, b) => a.id - b.id)) {
        try {
          data[bucket].set(row.key, JSON.parse(row.value));
        } catch {
          skipped.push({
            where: `${bucket} row ${JSON.stringify(row.key.slice(0, 80))}`,
            reason: "its value is not JSON",
          });
        }
      }
    }
  } finally {
    db.close();
  }
  return { data, skipped };
}

function salvageTable(db: DatabaseSync, table: string, skipped: Skipped[]): Map<number, Row> {
  const rows = new Map<number, Row>();
  let first: (from: number) => Row | undefined;
  try {
    const statement = db.prepare(
      `SELECT rowid AS id, key, value FROM ${table} WHERE rowid >= ? ORDER BY rowid LIMIT 1`,
    );
    first = (from) => statement.get(from) as Row | undefined;
  } catch (err) {
    skipped.push({ where: `table ${table}`, reason: `cannot be read: ${(err as Error).message}` });
    return rows;
  }
  const readable = (from: number) => {
    try {
      first(from);
      return true;
    } catch {
      return false;
    }
  };

  // The walk by rowid, stepping over what cannot be read.
  for (let next: number | undefined = LOWEST; next !== undefined && next <= HIGHEST;) {
    let row: Row | undefined;
    try {
      row = first(next);
    } catch {
      next = firstReadableAfter(next, readable);
      continue;
    }
    if (!row) break;
    rows.set(row.id, row);
    next = row.id + 1;
  }

  // The key index may still list rows the walk could not reach.
  const seen = new Set([...rows.values()].map((r) => r.key));
  const byId = db.prepare(`SELECT rowid AS id, key, value FROM ${table} WHERE rowid = ?`);
  for (const order of ["ASC", "DESC"]) {
    let entries: Iterable<unknown>;
    try {
      entries = db.prepare(`SELECT key, rowid AS id FROM ${table} ORDER BY key ${order}`).iterate();
      for (const entry of entries) {
        const { key, id } = entry as { key: string; id: number };
        if (seen.has(key)) continue;
        seen.add(key);
        try {
          const row = byId.get(id) as Row | undefined;
          if (row) rows.set(row.id, row);
        } catch {
          skipped.push({
            where: `${table} row ${JSON.stringify(String(key).slice(0, 80))}`,
            reason: "it is on a damaged page",
          });
        }
      }
    } catch {
      // The index is damaged from here on; the walk from the other end reads the rest of it.
    }
  }
  return rows;
}

/** The lowest rowid above `failed` from which reading works: probe ever farther, then narrow down. */
function firstReadableAfter(failed: number, readable: (from: number) => boolean): number | undefined {
  let bad = failed;
  let good = failed;
  for (let gap = 1; good === failed; gap *= 2) {
    const probe = Math.min(failed + gap, HIGHEST);
    if (readable(probe)) good = probe;
    else if (probe === HIGHEST) return undefined;
    else bad = probe;
  }
  while (good - bad > 1) {
    const middle: number = bad + Math.floor((good - bad) / 2);
    if (readable(middle)) good = middle;
    else bad = middle;
  }
  return good;
}
