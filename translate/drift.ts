/**
 * Drift: how files on disk differ from what would be generated — missing,
 * changed or extra — each with a unified diff. Pure: the caller reads the
 * directory. Used by `translate --check` (and anything that guards committed
 * outputs).
 */
import { createTwoFilesPatch } from "diff";
import type { OutputFile } from "../generators/generator.ts";

export interface Drift {
  path: string;
  change: "missing" | "changed" | "extra";
  /** A unified diff from the file on disk (a/…) to the generated one (b/…). */
  patch: string;
}

/** Differences between `generated` and `onDisk` (relative path → content), sorted by path. */
export function drift(generated: readonly OutputFile[], onDisk: ReadonlyMap<string, string>): Drift[] {
  const out: Drift[] = [];
  const wanted = new Map(generated.map((f) => [f.path, f.content]));
  for (const path of [...new Set([...wanted.keys(), ...onDisk.keys()])].sort()) {
    const want = wanted.get(path);
    const have = onDisk.get(path);
    if (want === have) continue;
    const change = have === undefined ? "missing" : want === undefined ? "extra" : "changed";
    const patch = createTwoFilesPatch(
      have === undefined ? "/dev/null" : `a/${path}`,
      want === undefined ? "/dev/null" : `b/${path}`,
      have ?? "",
      want ?? "",
      undefined,
      undefined,
      { context: 3 },
    );
    out.push({ path, change, patch });
  }
  return out;
}
