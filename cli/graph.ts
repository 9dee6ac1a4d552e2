/**
 * `flowctl graph -f FILE [--format mermaid|dot|svg] [-o FILE | --output-dir DIR]`:
 * a picture of each pipeline's graph (graph/). The pipeline is checked first,
 * as validate does: an invalid one prints its diagnostics and draws nothing.
 *
 * The format is --format, else what -o's file name ends in (.svg, .dot or
 * .gv, .mmd or .mermaid), else Mermaid. Several pipelines in one file: Mermaid
 * and DOT print one diagram after the other, each opening with a comment that
 * names its pipeline; an SVG holds one picture, so -o and standard output take
 * one pipeline and --output-dir writes `<pipeline>.<ext>` for each.
 */
import { hasErrors, isInternal } from "../compiler/diagnostics.ts";
import { topologyOf } from "../generators/shared/topology.ts";
import { renderDot } from "../graph/dot.ts";
import { renderMermaid } from "../graph/mermaid.ts";
import { renderSvg } from "../graph/svg.ts";
import type { Topology } from "../graph/topology.ts";
import { folderName, validate } from "../translate/compile.ts";
import { EXIT, onDisk, UsageError } from "./errors.ts";
import { CACHE_FLAGS, cueOptions, parseFlags } from "./flags.ts";
import { HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { plural, printDiagnostics } from "./output.ts";
import { readStack, refuseSetProblems, STACK_FLAGS, stackArgs } from "./stack.ts";

export const GRAPH_FORMATS = {
  mermaid: { extension: "mmd", render: (t: Topology) => renderMermaid(t) },
  dot: { extension: "dot", render: (t: Topology) => renderDot(t) },
  svg: { extension: "svg", render: (t: Topology) => renderSvg(t) },
} as const;
export type GraphFormat = keyof typeof GRAPH_FORMATS;

const EXTENSIONS: Record<string, GraphFormat> = { svg: "svg", dot: "dot", gv: "dot", mmd: "mermaid", mermaid: "mermaid" };

/** --format, else the format -o's file name ends in, else Mermaid. */
export function graphFormat(format: string | undefined, output: string | undefined): GraphFormat {
  if (format !== undefined) {
    if (!(format in GRAPH_FORMATS)) throw new UsageError(`--format must be mermaid, dot or svg, not ${JSON.stringify(format)}`);
    return format as GraphFormat;
  }
  if (output === undefined || output === "-") return "mermaid";
  const extension = /\.([^./]+)$/.exec(output)?.[1].toLowerCase();
  const chosen = extension === undefined ? undefined : EXTENSIONS[extension];
  if (!chosen) {
    throw new UsageError(`cannot tell the format from ${JSON.stringify(output)}: name it .svg, .dot, .gv, .mmd or .mermaid, or give --format mermaid|dot|svg`);
  }
  return chosen;
}

export async function runGraph(args: string[], io: Io): Promise<number> {
  const flags = parseFlags(
    args,
    { ...STACK_FLAGS, "--format": "format", "-o": "output", "--output": "output", "--output-dir": "outputDir" },
    CACHE_FLAGS,
  );
  if (flags.help) {
    io.stdout(HELP.graph);
    return EXIT.ok;
  }
  stackArgs(flags, "graph");
  const { output, outputDir } = flags.values;
  if (output !== undefined && outputDir !== undefined) throw new UsageError("give -o FILE or --output-dir DIR, not both");
  const format = graphFormat(flags.values.format, output);
  const destination = output === undefined || output === "-" ? undefined : fileDestination(output);

  const { input, overlays, set, sources } = await readStack(flags, "graph", io);
  const result = validate(input.text, { filename: input.name, cue: await io.cue(cueOptions(flags)), overlays, set, sources });
  refuseSetProblems(result.diagnostics);
  printDiagnostics(result.diagnostics, io);
  if (hasErrors(result.diagnostics)) return isInternal(result.diagnostics) ? EXIT.internal : EXIT.invalid;

  const { extension, render } = GRAPH_FORMATS[format];
  const pictures = result.pipelines.map((ir) => ({ name: ir.name, content: render(topologyOf(ir)) }));
  if (outputDir !== undefined) {
    const used = new Set<string>();
    const files = pictures.map((p) => {
      const base = folderName(p.name);
      let name = base;
      for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
      used.add(name);
      return { path: `${name}.${extension}`, content: p.content };
    });
    await onDisk(`write into ${outputDir}`, () => io.writeFiles(outputDir, files));
    io.stderr(`wrote ${plural(files.length, "file")} to ${outputDir}: ${files.map((f) => f.path).join(", ")}\n`);
    return EXIT.ok;
  }
  if (format === "svg" && pictures.length > 1) {
    throw new UsageError(
      `${input.name} holds ${pictures.length} pipelines and an SVG picture shows one: use --output-dir DIR for a file each, or --format mermaid or dot`,
    );
  }
  // Mermaid and DOT: one diagram after another, each opening with the comment that names its pipeline.
  const content = pictures.map((p) => p.content).join("\n");
  if (destination) {
    await onDisk(`write ${output}`, () => io.writeFiles(destination.dir, [{ path: destination.name, content }]));
    io.stderr(`wrote ${output} (${format}, ${plural(pictures.length, "pipeline")})\n`);
  } else io.stdout(content);
  return EXIT.ok;
}

/** Where -o FILE goes: its folder and its name, written through the all-or-nothing writer. */
function fileDestination(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf("/");
  const name = path.slice(slash + 1);
  if (name === "" || name === "." || name === "..") throw new UsageError(`-o names a file, and ${JSON.stringify(path)} is a folder; use --output-dir DIR`);
  return { dir: slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".", name };
}
