/** `flowctl validate FILE...`: every problem of every file, in one run. */
import { type Diagnostic, hasErrors, isInternal } from "../compiler/diagnostics.ts";
import { validate } from "../translate/compile.ts";
import { EXIT, UsageError } from "./errors.ts";
import { formatFlag, parseFlags } from "./flags.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { readInput } from "./input.ts";
import { plural, printDiagnostics } from "./output.ts";

export async function runValidate(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(args, { "--format": "format" });
  if (flags.help) {
    io.stdout(HELP.validate);
    return EXIT.ok;
  }
  const format = formatFlag(flags);
  if (flags.positional.length === 0) throw new UsageError("validate needs at least one FILE");
  const cue = await io.cue();
  const all: Diagnostic[] = [];
  for (const path of flags.positional) {
    const input = await readInput(path, io);
    const result = validate(input.text, { filename: input.name, cue });
    all.push(...result.diagnostics);
    if (format === "text") {
      printDiagnostics(result.diagnostics, io);
      if (!hasErrors(result.diagnostics)) {
        const n = result.pipelines.reduce((sum, p) => sum + p.components.length, 0);
        io.stdout(`${input.name}: valid (${plural(result.pipelines.length, "pipeline")}, ${plural(n, "component")})\n`);
      }
    }
  }
  if (format === "json") io.stdout(JSON.stringify({ diagnostics: all }, null, 2) + "\n");
  return isInternal(all) ? EXIT.internal : hasErrors(all) ? EXIT.invalid : EXIT.ok;
}
