/** What every command prints the same way: diagnostics (coloured on a terminal unless NO_COLOR) and counts. */
import { type Diagnostic, formatDiagnostic } from "../compiler/diagnostics.ts";
import type { Io } from "./io.ts";

export function printDiagnostics(diagnostics: readonly Diagnostic[], io: Io, target?: string): void {
  const color = io.isTerminal && io.env("NO_COLOR") === undefined;
  for (const d of diagnostics) {
    let line = formatDiagnostic(d) + (target ? ` [${target}]` : "");
    if (color) line = line.replace(` ${d.severity} `, d.severity === "error" ? " \x1b[31merror\x1b[0m " : " \x1b[33mwarning\x1b[0m ");
    io.stderr(line + "\n");
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
