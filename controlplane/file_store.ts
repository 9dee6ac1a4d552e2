/**
 * The control plane's embedded, persistent store: an append-only file of JSON
 * lines, one change each. `append` writes the line; `flush` syncs the file
 * (fsync), and requests are answered only after it, so an acknowledged change
 * is on disk. On open the file is replayed; a last line cut short by a crash
 * was never acknowledged and is dropped. When the file holds many more lines
 * than live values it is rewritten compactly (temporary file, fsync, rename,
 * fsync of the directory), so a crash leaves either the old file or the new one.
 */
import { applyChange, type Buckets, type Change, emptyBuckets, type Store } from "./store.ts";

const encoder = new TextEncoder();

export class FileStore implements Store {
  private file: Deno.FsFile;
  private lines: number;
  private dirty = false;
  private syncing?: Promise<void>;

  private constructor(private path: string, private live: Buckets, lines: number) {
    this.lines = lines;
    this.file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  }

  /** Opens (or creates) the store and returns it with the values it holds. */
  static open(path: string): { store: FileStore; data: Buckets } {
    let text = "";
    try {
      text = Deno.readTextFileSync(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const data = emptyBuckets();
    let lines = 0;
    let good = 0; // bytes of complete, parsable lines
    // The last piece is "" after a final newline, or a line cut short: either way not a change.
    for (const line of text.split("\n").slice(0, -1)) {
      let change: Change;
      try {
        change = JSON.parse(line);
      } catch {
        break; // a torn write: this and anything after it was never acknowledged
      }
      applyChange(data, change);
      lines++;
      good += encoder.encode(line + "\n").length;
    }
    if (good < encoder.encode(text).length) Deno.truncateSync(path, good);
    // The store keeps its own copy of the live values, for compaction.
    const live = emptyBuckets();
    for (const name of Object.keys(data) as (keyof Buckets)[]) live[name] = new Map(data[name]);
    const store = new FileStore(path, live, lines);
    store.compactIfLarge();
    return { store, data };
  }

  append(change: Change): void {
    writeAll(this.file, encoder.encode(JSON.stringify(change) + "\n"));
    this.lines++;
    this.dirty = true;
    applyChange(this.live, change);
  }

  /** Resolves once everything appended before the call is synced to disk. */
  async flush(): Promise<void> {
    while (this.dirty || this.syncing) {
      if (this.syncing) {
        await this.syncing;
        continue;
      }
      this.dirty = false;
      this.syncing = this.file.sync().finally(() => this.syncing = undefined);
      await this.syncing;
      this.compactIfLarge();
    }
  }

  close(): void {
    this.file.syncSync();
    this.file.close();
  }

  /** Rewrites the file as one put per live value once it is 4× (and 1,000 lines) longer than that. */
  private compactIfLarge(): void {
    const size = this.live.services.size + this.live.runs.size;
    if (this.lines < 1000 || this.lines < 4 * size || this.dirty || this.syncing) return;
    const tmp = `${this.path}.compact-tmp`;
    let body = "";
    for (const [bucket, values] of Object.entries(this.live)) {
      for (const [key, value] of values) body += JSON.stringify({ bucket, key, value }) + "\n";
    }
    const out = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
    writeAll(out, encoder.encode(body));
    out.syncSync();
    out.close();
    this.file.close();
    Deno.renameSync(tmp, this.path);
    syncDirectory(this.path);
    this.file = Deno.openSync(this.path, { append: true });
    this.lines = size;
  }
}

/** writeSync may write less than asked; loops until all of it is written. */
function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
}

/** Makes a rename in the file's directory durable (else a power loss could bring back the old file). */
function syncDirectory(path: string): void {
  const slash = path.lastIndexOf("/");
  const dir = Deno.openSync(slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".", { read: true });
  try {
    dir.syncSync();
  } finally {
    dir.close();
  }
}
