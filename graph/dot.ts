/**
 * A pipeline's graph in Graphviz's DOT language (`dot -Tsvg`), left to right,
 * with the shapes of the other pictures: sources rounded boxes, processors
 * boxes, sinks cylinders, pipelines double boxes. Node names are the ids,
 * quoted; every label is given, so the escapes Graphviz expands in labels
 * (`\N`, `\G`, …) cannot come from an id.
 */
import { INK, PALETTE } from "./palette.ts";
import type { NodeKind, Topology } from "./topology.ts";

const SHAPES: Record<NodeKind, string> = {
  source: `shape=box, style="rounded,filled"`,
  processor: `shape=box, style=filled`,
  sink: `shape=cylinder, style=filled`,
  pipeline: `shape=box, style=filled, peripheries=2`,
};

/** A DOT quoted string: `"` and `\` escaped, line breaks as `\n`. */
export function quoteDot(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n\u2028\u2029]/g, "\\n")}"`;
}

/** The DOT digraph of a topology; a comment line names the pipeline. */
export function renderDot(topology: Topology): string {
  // deno-lint-ignore no-control-regex -- a comment line must hold no control character
  const comment = JSON.stringify(topology.pipeline).replace(/[\x00-\x1f\x7f\u2028\u2029]/g, " ");
  const lines = [
    `// pipeline ${comment}`,
    `digraph ${quoteDot(topology.pipeline)} {`,
    "  rankdir=LR;",
    `  node [fontname="monospace", fontsize=11, fontcolor="${INK.text}"];`,
    `  edge [color="${INK.muted}"];`,
  ];
  for (const c of topology.components) {
    const label = quoteDot(c.label ? `${c.id}\n${c.label}` : c.id);
    const { fill, stroke } = PALETTE[c.kind];
    lines.push(`  ${quoteDot(c.id)} [label=${label}, ${SHAPES[c.kind]}, fillcolor="${fill}", color="${stroke}"];`);
  }
  const ids = new Set(topology.components.map((c) => c.id));
  const seen = new Set<string>();
  for (const c of topology.components) {
    for (const input of c.inputs) {
      const edge = `${quoteDot(input)} -> ${quoteDot(c.id)}`;
      if (!ids.has(input) || seen.has(edge)) continue;
      seen.add(edge);
      lines.push(`  ${edge};`);
    }
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
