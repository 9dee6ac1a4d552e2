/**
 * `flowctl merge -f BASE [-f OVERLAY...] [--set PATH=VALUE...]`: prints the
 * pipeline the overlays and settings produce, as YAML, before it is checked
 * (run validate with the same flags for that), so a user can see what each
 * layer did. An older format is shown upgraded to flowctl/v1.
 */
import { stringify } from "yaml";
import { hasErrors, isInternal } from "../compiler/diagnostics.ts";
import { merge } from "../translate/compile.ts";
import { EXIT } from "./errors.ts";
import { parseFlags } from "./flags.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { printDiagnostics } from "./output.ts";
import { readStack, refuseSetProblems, STACK_FLAGS } from "./stack.ts";

export async function runMerge(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(args, STACK_FLAGS);
  if (flags.help) {
    io.stdout(HELP.merge);
    return EXIT.ok;
  }
  const { input, overlays, set } = await readStack(flags, "merge", io);
  const result = merge(input.text, { filename: input.name, overlays, set });
  refuseSetProblems(result.diagnostics);
  printDiagnostics(result.diagnostics, io);
  if (hasErrors(result.diagnostics)) return isInternal(result.diagnostics) ? EXIT.internal : EXIT.invalid;
  // Plain block YAML, keys in the order the layers left them; strings quoted only where YAML needs it.
  io.stdout(result.documents.map((d) => stringify(d, { version: "1.2", lineWidth: 0 })).join("---\n"));
  return EXIT.ok;
}
