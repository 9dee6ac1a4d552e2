/** String maps of the IR (env, labels, annotations) carry where each entry was written; outputs want the values. */
import type { EntryIR } from "../../compiler/ir.ts";

/** `{KEY: {value, origin}}` → `{KEY: value}`, in the same (sorted) order. */
export function valuesOf(entries: Record<string, EntryIR>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).map(([key, entry]) => [key, entry.value]));
}
