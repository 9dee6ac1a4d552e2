/**
 * Reads the JSON-lines file older versions kept at the --db path: one change
 * per line (`{"bucket","key","value"}` puts a value, without `value` deletes
 * the key), replayed in order. A line that cannot be read is skipped and
 * reported by its number, and the lines after it still count: one bad line
 * must not take the records behind it along.
 */
import { type Buckets, emptyBuckets, isBucket, type Skipped } from "./store.ts";

const NEWLINE = 0x0a;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export interface JsonLines {
  data: Buckets;
  /** Lines that were changes and were applied. */
  applied: number;
  skipped: Skipped[];
}

export function readJsonLines(bytes: Uint8Array): JsonLines {
  const data = emptyBuckets();
  const skipped: Skipped[] = [];
  let applied = 0;
  let start = 0;
  for (let number = 1; start < bytes.length; number++) {
    const end = bytes.indexOf(NEWLINE, start);
    const complete = end !== -1;
    const raw = bytes.subarray(start, complete ? end : bytes.length);
    start = complete ? end + 1 : bytes.length;
    if (!complete) {
      // The old store acknowledged a change only after its whole line was synced.
      skipped.push({ where: `line ${number}`, reason: "cut short by a crash (it was never acknowledged)" });
      break;
    }
    if (raw.length === 0) continue;
    const problem = applyLine(data, raw);
    if (problem) skipped.push({ where: `line ${number}`, reason: problem });
    else applied++;
  }
  return { data, applied, skipped };
}

/** Applies one line; returns why it could not be, or undefined. */
function applyLine(data: Buckets, raw: Uint8Array): string | undefined {
  let change: unknown;
  try {
    change = JSON.parse(strictUtf8.decode(raw));
  } catch (err) {
    return err instanceof SyntaxError ? "not JSON" : "not UTF-8";
  }
  if (typeof change !== "object" || change === null || Array.isArray(change)) return "not a change object";
  const { bucket, key } = change as Record<string, unknown>;
  if (!isBucket(bucket)) return `unknown bucket ${JSON.stringify(bucket)?.slice(0, 80)}`;
  if (typeof key !== "string") return "key is not a string";
  if (Object.hasOwn(change, "value")) data[bucket].set(key, (change as { value: unknown }).value);
  else data[bucket].delete(key);
  return undefined;
}
