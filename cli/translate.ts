/**
 * `flowctl translate -f FILE [-t TARGET...] [-o DIR [--check]]`: the library's
 * `translate`, printed or written. Without -o the output goes to stdout (one
 * file, or the target's concatenation); with -o it is written into DIR
 * (DIR/<target>/ for several targets); --check compares DIR instead.
 */
import { defaultRegistry } from "../generators/mod.ts";
import { drift } from "../translate/drift.ts";
import { hasFailures, hasInternalErrors, translate } from "../translate/translate.ts";
import { resolveRequest, targetList } from "../translate/request.ts";
import { EXIT, onDisk, UsageError } from "./errors.ts";
import { formatFlag, parseFlags, targetOptionFlags, targetOptions, usageError } from "./flags.ts";
import { translateHelp } from "./help.ts";
import type { Io } from "./io.ts";
import { readInput } from "./input.ts";
import { plural, printDiagnostics } from "./output.ts";

export async function runTranslate(args: string[], io: Io): Promise<number> {
  const registry = defaultRegistry();
  const optionFlags = targetOptionFlags(registry);
  const flags = parseFlags(args, {
    "-f": "file",
    "--file": "file",
    "-t": "target",
    "--target": "target",
    "-o": "output",
    "--output": "output",
    "--format": "format",
    ...optionFlags.values,
  }, { ...optionFlags.booleans, "--check": "check" });
  if (flags.help) {
    io.stdout(translateHelp(registry));
    return EXIT.ok;
  }
  const format = formatFlag(flags);
  const file = flags.values.file ?? (flags.positional.length === 1 ? flags.positional[0] : undefined);
  if (!file) throw new UsageError("translate needs -f FILE");
  const output = flags.values.output;
  const check = flags.values.check === "true";
  if (check && output === undefined) throw new UsageError("--check compares with a directory; give -o DIR");
  const options = targetOptions(flags, registry);
  // What is wrong with the targets or options is a usage error, found before the file is read.
  const request = resolveRequest({ targets: targetList(flags.values.target), options, registry });
  if (request.problems.length) throw usageError(request.problems);
  if (request.targets.length > 1 && output === undefined) throw new UsageError("several targets write several files; use -o DIR");

  const input = await readInput(file, io);
  const result = translate({ pipelines: [input], targets: request.targets, options, cue: await io.cue(), registry });
  const translated = result.files[0];
  const failed = hasFailures(result);
  const several = result.targets.length > 1;
  // Several targets: each one's files go under <target>/. All files or none: one error in one target writes nothing.
  const perTarget = translated.targets.map((t) => ({
    ...t,
    files: failed ? [] : t.files.map((f) => (several ? { ...f, path: `${t.target}/${f.path}` } : f)),
  }));
  const files = perTarget.flatMap((t) => t.files);

  let stream: string | undefined;
  if (!failed && output === undefined) {
    const target = translated.targets[0].target;
    const concat = registry.get(target)?.concat;
    if (files.length === 1) stream = files[0].content;
    else if (concat && files.length > 1) stream = concat(files);
    else throw new UsageError(`target ${target} writes ${files.length} files; use -o DIR`);
  }
  const drifted = !failed && check ? drift(files, await onDisk(`read ${output}`, () => io.readTree(output!))) : [];
  if (!failed && output !== undefined && !check) await onDisk(`write into ${output}`, () => io.writeFiles(output, files));

  if (format === "json") {
    io.stdout(JSON.stringify(
      {
        diagnostics: translated.diagnostics,
        ...(check && { drift: drifted }),
        targets: perTarget.map((t) => ({
          target: t.target,
          files: t.files.map((f) => (output === undefined ? f : { path: f.path })),
          diagnostics: t.diagnostics,
        })),
      },
      null,
      2,
    ) + "\n");
  } else {
    printDiagnostics(translated.diagnostics, io);
    for (const t of translated.targets) printDiagnostics(t.diagnostics, io, several ? t.target : undefined);
    if (stream !== undefined) io.stdout(stream);
    if (!failed && check) {
      for (const d of drifted) io.stdout(d.patch);
      io.stderr(
        drifted.length
          ? `${output} differs from what ${input.name} generates: ${drifted.map((d) => `${d.path} (${d.change})`).join(", ")}\n` +
            `run flowctl translate without --check to update it\n`
          : `${output} is up to date (${plural(files.length, "file")})\n`,
      );
    } else if (!failed && output !== undefined) {
      io.stderr(`wrote ${plural(files.length, "file")} to ${output}: ${files.map((f) => f.path).join(", ")}\n`);
    }
  }
  if (hasInternalErrors(result)) return EXIT.internal;
  return failed || drifted.length ? EXIT.invalid : EXIT.ok;
}
