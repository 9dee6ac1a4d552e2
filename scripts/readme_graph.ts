/**
 * docs/pipeline.svg: the README's example pipeline (the YAML block under
 * "## A pipeline") as `flowctl graph` draws it, shown in the README. Drawn
 * from the README's own text, so the picture is of the pipeline shown.
 *
 *   deno task docs       rewrite it (a test fails when it is stale)
 */
import type { CueEngine } from "../compiler/cue.ts";
import { hasErrors } from "../compiler/diagnostics.ts";
import { topologyOf } from "../generators/shared/topology.ts";
import { renderSvg } from "../graph/svg.ts";
import { validate } from "../translate/compile.ts";

/** Where the picture is, from the repository's root; the README shows it from there. */
export const README_PICTURE = "docs/pipeline.svg";

/** The first YAML block of the README's "## A pipeline" section. */
export function readmePipeline(readme: string): string {
  const section = readme.slice(readme.indexOf("\n## A pipeline\n"));
  const block = /\n```yaml\n([\s\S]*?)\n```\n/.exec(section);
  if (!block) throw new Error('README.md has no ```yaml block under "## A pipeline"');
  return block[1] + "\n";
}

/** The picture of the README's example pipeline. */
export function readmePicture(readme: string, cue: CueEngine): string {
  const checked = validate(readmePipeline(readme), { filename: "README.md", cue });
  if (hasErrors(checked.diagnostics) || checked.pipelines.length !== 1) {
    throw new Error(`the README's example pipeline is not one valid pipeline: ${checked.diagnostics.map((d) => d.message).join("; ")}`);
  }
  return renderSvg(topologyOf(checked.pipelines[0]));
}

if (import.meta.main) {
  const { loadCue } = await import("../host/cue_wasm.ts");
  const root = new URL("../", import.meta.url);
  const readme = await Deno.readTextFile(new URL("README.md", root));
  await Deno.mkdir(new URL("docs/", root), { recursive: true });
  await Deno.writeTextFile(new URL(README_PICTURE, root), readmePicture(readme, await loadCue()));
}
