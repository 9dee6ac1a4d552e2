/**
 * `flowctl validate FILE...`: every problem of every file, in one run; or
 * `flowctl validate -f BASE [-f OVERLAY...] [--set PATH=VALUE...]`: the
 * problems of one pipeline with its overlays laid over it.
 */
import { type Diagnostic, hasErrors, isInternal } from "../compiler/diagnostics.ts";
import { validate } from "../translate/compile.ts";
import { EXIT, UsageError } from "./errors.ts";
import { CACHE_FLAGS, cueOptions, formatFlag, parseFlags } from "./flags.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { readInput } from "./input.ts";
import { readStack, refuseSetProblems, sourcesOf, STACK_FLAGS, stackArgs } from "./stack.ts";
import { setSyntaxProblem } from "../compiler/set_value.ts";
import type { PipelineText } from "../translate/translate.ts";
import { plural, printDiagnostics } from "./output.ts";

export async function runValidate(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(args, { "--format": "format", ...STACK_FLAGS }, CACHE_FLAGS);
  if (flags.help) {
    io.stdout(HELP.validate);
    return EXIT.ok;
  }
  const format = formatFlag(flags);
  const stacked = flags.repeated.file !== undefined;
  if (!stacked && flags.positional.length === 0) throw new UsageError("validate needs at least one FILE (or -f BASE -f OVERLAY)");
  if (stacked) stackArgs(flags, "validate");
  const set = flags.repeated.set ?? [];
  for (const expression of set) {
    const problem = setSyntaxProblem(expression);
    if (problem) throw new UsageError(problem);
  }
  const cue = await io.cue(cueOptions(flags));
  const all: Diagnostic[] = [];
  const stacks: { file: string; input?: PipelineText; overlays: PipelineText[]; sources?: Map<string, Uint8Array> }[] = stacked
    ? [await readStack(flags, "validate", io)]
    : flags.positional.map((file) => ({ file, overlays: [] }));
  for (const stack of stacks) {
    const input = stack.input ?? await readInput(stack.file, io);
    const sources = stack.sources ?? await sourcesOf(input, stack.file, io, [], set);
    const result = validate(input.text, { filename: input.name, cue, overlays: stack.overlays, set, sources });
    refuseSetProblems(result.diagnostics);
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
