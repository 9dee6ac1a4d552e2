/**
 * A tar archive (POSIX ustar) of a few files, built in memory: the build
 * context `docker build -` reads on its standard input. Owners, groups and
 * times are zero, so the same files give the same bytes.
 */

export interface TarEntry {
  /** A relative path of at most 100 bytes; one that ends in `/` is a directory. */
  name: string;
  /** A file's content (a directory has none). */
  bytes?: Uint8Array;
  /** Permission bits (default 0o644 for a file, 0o755 for a directory). */
  mode?: number;
}

const BLOCK = 512;

export function tarArchive(entries: readonly TarEntry[]): Uint8Array {
  const padded = (e: TarEntry) => Math.ceil((e.bytes?.length ?? 0) / BLOCK) * BLOCK;
  const out = new Uint8Array(entries.reduce((sum, e) => sum + BLOCK + padded(e), 0) + 2 * BLOCK); // zero-filled: padding, the end
  let at = 0;
  for (const e of entries) {
    out.set(header(e), at);
    if (e.bytes) out.set(e.bytes, at + BLOCK);
    at += BLOCK + padded(e);
  }
  return out;
}

function header(e: TarEntry): Uint8Array {
  const name = new TextEncoder().encode(e.name);
  if (name.length > 100 || !e.name || e.name.startsWith("/")) throw new Error(`tar: a name must be relative and at most 100 bytes: ${e.name}`);
  const h = new Uint8Array(BLOCK);
  const field = (offset: number, text: string) => h.set(new TextEncoder().encode(text), offset);
  const octal = (offset: number, length: number, n: number) => field(offset, n.toString(8).padStart(length - 1, "0"));
  const directory = e.name.endsWith("/");
  h.set(name, 0);
  octal(100, 8, e.mode ?? (directory ? 0o755 : 0o644));
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, e.bytes?.length ?? 0);
  octal(136, 12, 0); // mtime
  field(148, "        "); // the checksum counts its own field as spaces
  field(156, directory ? "5" : "0");
  field(257, "ustar\u0000");
  field(263, "00");
  const sum = h.reduce((total, byte) => total + byte, 0);
  field(148, sum.toString(8).padStart(6, "0") + "\u0000 ");
  return h;
}
