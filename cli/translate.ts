/**
 * `flowctl translate -f FILE [-o TARGET...] [--output-dir DIR [--check] | --to-file FILE]`:
 * the library's `translate`, printed or written. By default the output goes
 * to stdout (one file, or the target's concatenation), as the Go flowctl's
 * `-o docker-compose` did; --to-file writes those same bytes to a file;
 * --output-dir writes the files into DIR (DIR/<target>/ for several
 * targets); --check compares DIR instead.
 */
import { defaultRegistry } from "../generators/mod.ts";
import type { OutputFile } from "../generators/generator.ts";
import { drift } from "../translate/drift.ts";
import { hasFailures, hasInternalErrors, translate } from "../translate/translate.ts";
import { resolveRequest } from "../translate/request.ts";
import { EXIT, onDisk, UsageError } from "./errors.ts";
import {
  CACHE_FLAGS,
  chosenTargets,
  cueOptions,
  formatFlag,
  parseFlags,
  PREFIX_REGISTRY_FLAGS,
  prefixAndRegistry,
  TARGET_FLAGS,
  targetOptionFlags,
  targetOptions,
  usageError,
} from "./flags.ts";
import { translateHelp } from "./help.ts";
import type { Io } from "./io.ts";
import { readStack, refuseSetProblems, STACK_FLAGS, stackArgs } from "./stack.ts";
import { plural, printDiagnostics } from "./output.ts";

export async function runTranslate(args: string[], io: Io): Promise<number> {
  const registry = defaultRegistry();
  const optionFlags = targetOptionFlags(registry);
  const flags = parseFlags(args, {
    ...STACK_FLAGS,
    ...TARGET_FLAGS,
    "--output-dir": "outputDir",
    "--to-file": "toFile",
    ...PREFIX_REGISTRY_FLAGS,
    "--format": "format",
    ...optionFlags.values,
  }, { ...optionFlags.booleans, "--check": "check", ...CACHE_FLAGS });
  if (flags.help) {
    io.stdout(translateHelp(registry));
    return EXIT.ok;
  }
  const format = formatFlag(flags);
  stackArgs(flags, "translate");
  // First: a config written for the older -o DIR learns where folders go now.
  const targets = chosenTargets(flags, registry);
  const { outputDir, toFile } = flags.values;
  const check = flags.values.check === "true";
  if (outputDir !== undefined && toFile !== undefined) throw new UsageError("give --output-dir DIR or --to-file FILE, not both");
  if (check && outputDir === undefined) throw new UsageError("--check compares a folder with what would be written; give --output-dir DIR");
  const destination = toFile === undefined ? undefined : fileDestination(toFile);
  const options = targetOptions(flags, registry);
  const naming = prefixAndRegistry(flags);
  // What is wrong with the targets, options, prefix or registry is a usage error, found before the file is read.
  const request = resolveRequest({ targets, options, registry, ...naming });
  if (request.problems.length) throw usageError(request.problems);
  if (request.targets.length > 1 && outputDir === undefined) throw new UsageError("several targets write several files; use --output-dir DIR");

  const { input, overlays, set, sources } = await readStack(flags, "translate", io);
  const result = translate({ pipelines: [input], overlays, set, sources, targets: request.targets, options, cue: await io.cue(cueOptions(flags)), registry, ...naming });
  const translated = result.files[0];
  refuseSetProblems(translated.diagnostics);
  const failed = hasFailures(result);
  const several = result.targets.length > 1;
  // Several targets: each one's files go under <target>/. All files or none: one error in one target writes nothing.
  const perTarget = translated.targets.map((t) => ({
    ...t,
    files: failed ? [] : t.files.map((f) => (several ? { ...f, path: `${t.target}/${f.path}` } : f)),
  }));
  const files = perTarget.flatMap((t) => t.files);

  // Without --output-dir the output is one stream: stdout, or the --to-file file.
  let stream: OutputFile | undefined;
  if (!failed && outputDir === undefined) {
    const name = translated.targets[0].target;
    const concat = registry.get(name)?.concat;
    if (files.length === 1) stream = files[0];
    else if (concat && files.length > 1) stream = { path: "stream", content: concat(files) };
    else throw new UsageError(`target ${name} writes ${files.length} files (${files.map((f) => f.path).join(", ")}); use --output-dir DIR`);
  }
  const drifted = !failed && check ? drift(files, await onDisk(`read ${outputDir}`, () => io.readTree(outputDir!))) : [];
  if (!failed && outputDir !== undefined && !check) await onDisk(`write into ${outputDir}`, () => io.writeFiles(outputDir, files));
  if (stream && destination) {
    const named = { ...stream, path: destination.name };
    await onDisk(`write ${toFile}`, () => io.writeFiles(destination.dir, [named]));
  }
  const writes = outputDir !== undefined || toFile !== undefined;

  if (format === "json") {
    io.stdout(JSON.stringify(
      {
        diagnostics: translated.diagnostics,
        ...(check && { drift: drifted }),
        ...(toFile !== undefined && !failed && { toFile }),
        targets: perTarget.map((t) => ({
          target: t.target,
          files: t.files.map((f) => (writes ? { path: f.path } : f)),
          diagnostics: t.diagnostics,
        })),
      },
      null,
      2,
    ) + "\n");
  } else {
    printDiagnostics(translated.diagnostics, io);
    for (const t of translated.targets) printDiagnostics(t.diagnostics, io, several ? t.target : undefined);
    if (stream && !destination) io.stdout(stream.content);
    if (!failed && check) {
      for (const d of drifted) io.stdout(d.patch);
      io.stderr(
        drifted.length
          ? `${outputDir} differs from what ${input.name} generates: ${drifted.map((d) => `${d.path} (${d.change})`).join(", ")}\n` +
            `run flowctl translate without --check to update it\n`
          : `${outputDir} is up to date (${plural(files.length, "file")})\n`,
      );
    } else if (!failed && outputDir !== undefined) {
      io.stderr(`wrote ${plural(files.length, "file")} to ${outputDir}: ${files.map((f) => f.path).join(", ")}\n`);
    } else if (!failed && toFile !== undefined) {
      const what = files.length === 1 ? files[0].path : `${plural(files.length, "file")} as one stream`;
      io.stderr(`wrote ${toFile} (${translated.targets[0].target}: ${what})\n`);
    }
  }
  if (hasInternalErrors(result)) return EXIT.internal;
  return failed || drifted.length ? EXIT.invalid : EXIT.ok;
}

/** Where --to-file FILE goes: its folder and its name, written through the same all-or-nothing writer as --output-dir. */
function fileDestination(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf("/");
  const name = path.slice(slash + 1);
  if (name === "" || name === "." || name === "..") {
    throw new UsageError(`--to-file names a file, and ${JSON.stringify(path)} is a folder; to write into a folder, use --output-dir DIR`);
  }
  return { dir: slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".", name };
}
