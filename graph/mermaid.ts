/**
 * A pipeline's graph as a Mermaid flowchart (left to right), as GitHub and
 * many editors draw a ```mermaid block. Each kind has its shape: sources
 * stadiums, processors boxes, sinks cylinders, pipelines subroutines. Node
 * names are `n0`, `n1`, … in the topology's order, so no id can break the
 * syntax or meet a keyword (`end`); the id and the image or command are the
 * node's text, every character outside a small safe set written as an entity.
 */
import { PALETTE } from "./palette.ts";
import type { NodeKind, Topology } from "./topology.ts";

const SHAPES: Record<NodeKind, [string, string]> = {
  source: ["([", "])"],
  processor: ["[", "]"],
  sink: ["[(", ")]"],
  pipeline: ["[[", "]]"],
};

/** Text inside a quoted Mermaid label: letters, digits and a few marks as they are, anything else as `#code;`. */
export function escapeMermaid(text: string): string {
  let out = "";
  for (const c of text) out += /[A-Za-z0-9 ._:/@+=,-]/.test(c) ? c : `#${c.codePointAt(0)};`;
  return out;
}

/** A line of a `%%` comment: no line breaks, no control characters. */
function comment(text: string): string {
  // deno-lint-ignore no-control-regex -- control characters are what this takes out
  return text.replace(/[\x00-\x1f\x7f\u2028\u2029]/g, " ");
}

/** The Mermaid flowchart of a topology; a comment line names the pipeline. */
export function renderMermaid(topology: Topology): string {
  const name = new Map(topology.components.map((c, i) => [c.id, `n${i}`]));
  const lines = [`%% pipeline ${comment(JSON.stringify(topology.pipeline))}`, "flowchart LR"];
  for (const c of topology.components) {
    const [open, close] = SHAPES[c.kind];
    const text = escapeMermaid(c.id) + (c.label ? `<br/>${escapeMermaid(c.label)}` : "");
    lines.push(`  ${name.get(c.id)}${open}"${text}"${close}`);
  }
  const seen = new Set<string>();
  for (const c of topology.components) {
    for (const input of c.inputs) {
      const edge = `${name.get(input)} --> ${name.get(c.id)}`;
      if (!name.has(input) || seen.has(edge)) continue;
      seen.add(edge);
      lines.push(`  ${edge}`);
    }
  }
  const kinds = (Object.keys(SHAPES) as NodeKind[]).filter((k) => topology.components.some((c) => c.kind === k));
  for (const kind of kinds) {
    lines.push(`  classDef ${kind} fill:${PALETTE[kind].fill},stroke:${PALETTE[kind].stroke}`);
    lines.push(`  class ${topology.components.filter((c) => c.kind === kind).map((c) => name.get(c.id)).join(",")} ${kind}`);
  }
  return lines.join("\n") + "\n";
}
