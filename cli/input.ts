/** Reading a pipeline file named on the command line (`-` is standard input). */
import { InputError } from "./errors.ts";
import type { Io } from "./io.ts";

export async function readInput(path: string, io: Io): Promise<{ name: string; text: Uint8Array }> {
  if (path === "-") return { name: "<stdin>", text: await io.readStdin() };
  try {
    return { name: path, text: await io.readFile(path) };
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/, (?:readfile|open) .*$/, "") : String(err);
    throw new InputError(`cannot read ${JSON.stringify(path)}: ${reason}`);
  }
}

/** The folder of a pipeline file, as given (`.` for standard input and bare names): what its relative paths start from. */
export function folderOf(file: string): string {
  return file === "-" || !file.includes("/") ? "." : file.slice(0, file.lastIndexOf("/")) || "/";
}
