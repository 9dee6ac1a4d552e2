/**
 * The control plane's embedded storage: an append-only file of JSON lines,
 * one change each, flushed to disk (fsync) before the change is acknowledged.
 * On start the file is replayed; a last line cut short by a crash was never
 * acknowledged, so it is dropped. When the file holds many more changes than
 * live records, it is rewritten compactly (temporary file, fsync, rename).
 */
import { applyChange, type Change, type ComponentRecord, type Journal, replay } from "./registry.ts";

export class FileJournal implements Journal {
  private file: Deno.FsFile;
  private lines: number;
  private live = new Map<string, ComponentRecord>();

  private constructor(private path: string, records: ComponentRecord[], lines: number) {
    for (const r of records) this.live.set(r.serviceId, r);
    this.lines = lines;
    this.file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
  }

  /** Opens (or creates) the journal and returns it with the records it holds. */
  static open(path: string): { journal: FileJournal; records: ComponentRecord[] } {
    let text = "";
    try {
      text = Deno.readTextFileSync(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const changes: Change[] = [];
    let good = 0; // bytes of complete, parsable lines
    const encoder = new TextEncoder();
    // The last piece is "" after a final newline, or a line cut short: either way not a change.
    for (const line of text.split("\n").slice(0, -1)) {
      try {
        changes.push(JSON.parse(line));
      } catch {
        break; // a torn write: this and anything after it was never acknowledged
      }
      good += encoder.encode(line + "\n").length;
    }
    if (good < encoder.encode(text).length) Deno.truncateSync(path, good);
    const records = replay(changes);
    const journal = new FileJournal(path, records, changes.length);
    journal.compactIfLarge();
    return { journal, records };
  }

  append(change: Change): void {
    const bytes = new TextEncoder().encode(JSON.stringify(change) + "\n");
    for (let done = 0; done < bytes.length;) done += this.file.writeSync(bytes.subarray(done));
    this.file.syncSync();
    this.lines++;
    applyChange(this.live, change);
    this.compactIfLarge();
  }

  close(): void {
    this.file.close();
  }

  /** Rewrites the file as one `put` per live record once it is 4× (and 1,000 lines) longer than that. */
  private compactIfLarge(): void {
    if (this.lines < 1000 || this.lines < 4 * this.live.size) return;
    const tmp = `${this.path}.compact-tmp`;
    const body = [...this.live.values()].map((record) => JSON.stringify({ op: "put", record }) + "\n").join("");
    const out = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
    const bytes = new TextEncoder().encode(body);
    for (let done = 0; done < bytes.length;) done += out.writeSync(bytes.subarray(done));
    out.syncSync();
    out.close();
    this.file.close();
    Deno.renameSync(tmp, this.path);
    this.file = Deno.openSync(this.path, { append: true });
    this.lines = this.live.size;
  }
}
