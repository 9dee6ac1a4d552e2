/**
 * CUE's answers kept on disk, so that checking an unchanged file again (a
 * pre-commit hook, CI, an editor) does not start CUE at all.
 *
 * An answer is stored under the hash of everything it depends on: flowctl's
 * version, the CUE build (its module's hash), the schema text, the definition
 * and the documents exactly as CUE is given them (after parsing, upgrades,
 * overlays and --set). The same key can only mean the same question to the
 * same evaluator, so a hit is the answer a fresh evaluation would give. An
 * entry that cannot be read or does not parse is a miss; entries are written
 * to a temporary file and renamed, so a reader never sees half of one.
 * Errors (CUE's own failures) are never stored.
 *
 * node: modules only, so the Deno CLI and the Node build share it.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";
import type { CueCheck, CueEngine, CueProblem } from "../compiler/cue.ts";

/** Bumped when the entry format changes; part of every key. */
const FORMAT = "flowctl-cue-answer/1";

export interface CueCacheOptions {
  /** The cache folder (host/cache_dir.ts); answers go into its cue/ subfolder. */
  dir: string;
  /** flowctl's version and the CUE build's hash: a new release or build never reads old answers. */
  version: string;
  build: string;
  /** The real engine, started on the first miss (synchronously: a check cannot wait). */
  engine: () => CueEngine;
}

/** An engine that answers from the cache and asks CUE only on a miss. */
export function cachedCueEngine({ dir, version, build, engine }: CueCacheOptions): CueEngine & { stats: CacheStats } {
  const stats: CacheStats = { hits: 0, misses: 0 };
  let real: CueEngine | undefined;
  const folder = `${dir}/cue`;
  return {
    stats,
    check(schema, definition, documents) {
      const key = hash([FORMAT, version, build, schema, definition, documents]);
      const path = `${folder}/${key}.json`;
      const cached = readEntry(path, key);
      if (cached) {
        stats.hits++;
        return { problems: cached };
      }
      stats.misses++;
      real ??= engine();
      const answer: CueCheck = real.check(schema, definition, documents);
      if (answer.problems) writeEntry(folder, path, JSON.stringify({ key, problems: answer.problems }));
      return answer;
    },
    openapi: (schema) => (real ??= engine()).openapi(schema),
  };
}

export interface CacheStats {
  hits: number;
  misses: number;
}

function hash(parts: string[]): string {
  const h = createHash("sha256");
  for (const part of parts) h.update(`${part.length}:`).update(part); // length-prefixed: no two lists hash alike
  return h.digest("hex");
}

/** The stored problems, or undefined for a missing, unreadable or foreign entry. */
function readEntry(path: string, key: string): CueProblem[][] | undefined {
  try {
    const entry = JSON.parse(readFileSync(path, "utf8"));
    if (entry?.key !== key || !Array.isArray(entry.problems) || !entry.problems.every(Array.isArray)) return undefined;
    return entry.problems;
  } catch {
    return undefined;
  }
}

function writeEntry(folder: string, path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch {
    // A read-only or full disk: the answer is still right, only not kept.
    try {
      rmSync(tmp, { force: true });
    } catch { /* nothing to clean */ }
  }
}
