/**
 * Writing a file into the cache folder so that a reader never sees half of
 * it: a temporary file first (named by pid and a random part, as processes in
 * containers can share a pid), then a rename. A folder that cannot be written
 * is no error: the caller's answer stands, it is only not kept.
 */
export async function writeCacheFile(dir: string, name: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${dir}/.${name}.${Deno.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, `${dir}/${name}`);
  } catch {
    await Deno.remove(tmp).catch(() => {});
  }
}
