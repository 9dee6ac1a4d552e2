/**
 * A pipeline's graph as a standalone SVG picture: no script, no external
 * asset, no font to fetch (a monospace font the reader has). Its structure is
 * a contract pages build on (the control plane's live page, the playground):
 *
 * - every component is `<g class="node KIND" data-id="ID">`, holding its
 *   shape (`<rect class="shape">`, plus lines that tell kinds apart), a
 *   `<text class="id">` and, smaller below it, a `<text class="label">`
 *   (the image or command), both cut with … when long;
 * - every edge is `<path class="edge" data-from="UPSTREAM" data-to="DOWNSTREAM" d="…"/>`,
 *   with an arrowhead, running left to right from the upstream's box to the
 *   downstream's;
 * - with `controlPlane: true`, `<g class="node control-plane" data-id="flowctl-control-plane">`
 *   below the graph, with no edges.
 *
 * Colours are presentation attributes, so a page's CSS overrides them.
 * Numbers are rounded to one decimal: the same topology gives the same bytes.
 */
import { type EdgeRoute, layoutTopology, type NodeBox, type Point, SIZES } from "./layout.ts";
import { INK, PALETTE } from "./palette.ts";
import type { Topology } from "./topology.ts";

export interface SvgOptions {
  /** Draw the control plane's box below the graph. */
  controlPlane?: boolean;
  /** A heading drawn above the graph (and the picture's `<title>`); without it the title is the pipeline's name. */
  title?: string;
}

const FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
const TITLE_HEIGHT = 28;

/** Text for XML character data and attribute values (quoted with "). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)
    // XML 1.0 admits no C0 control but tab, newline and return, nor lone surrogates: shown as U+FFFD.
    // deno-lint-ignore no-control-regex -- control characters are what XML cannot hold
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** A number as the picture writes it: one decimal at most, no `-0`. */
export function num(n: number): string {
  const r = Math.round(n * 10) / 10;
  return String(r === 0 ? 0 : r);
}

/** The path of an edge: straight where the points are level, an S-bend leaving and arriving horizontally elsewhere. */
function pathData(points: readonly Point[]): string {
  let d = `M${num(points[0].x)} ${num(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1];
    const q = points[i];
    if (num(p.y) === num(q.y)) d += `H${num(q.x)}`;
    else {
      const mid = (p.x + q.x) / 2;
      d += `C${num(mid)} ${num(p.y)} ${num(mid)} ${num(q.y)} ${num(q.x)} ${num(q.y)}`;
    }
  }
  return d;
}

/** The shape of a box: a rect for every kind (rounded differently), and the lines that make a cylinder or a subroutine. */
function shape(n: NodeBox): string[] {
  const { fill, stroke } = PALETTE[n.kind];
  const [x, y, w, h] = [n.x, n.y, n.width, n.height];
  const paint = `fill="${fill}" stroke="${stroke}" stroke-width="1.5"`;
  const rect = (rx: number, ry = rx, extra = "") =>
    `<rect class="shape" x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="${num(rx)}" ry="${num(ry)}" ${paint}${extra}/>`;
  const line = (d: string) => `<path class="decoration" d="${d}" fill="none" stroke="${stroke}" stroke-width="1.5"/>`;
  switch (n.kind) {
    case "source":
      return [rect(h / 2)];
    case "processor":
      return [rect(4)];
    case "sink": {
      // A cylinder: the rect's corners are half ellipses, and the top's front rim is drawn.
      const ry = 4;
      return [rect(w / 2, ry), line(`M${num(x)} ${num(y + ry)}A${num(w / 2)} ${ry} 0 0 0 ${num(x + w)} ${num(y + ry)}`)];
    }
    case "pipeline":
      return [rect(2), line(`M${num(x + 8)} ${num(y)}V${num(y + h)}M${num(x + w - 8)} ${num(y)}V${num(y + h)}`)];
    case "control-plane":
      return [rect(4, 4, ` stroke-dasharray="5 3"`)];
  }
}

function node(n: NodeBox): string {
  const cx = num(n.x + n.width / 2);
  const twoLines = n.labelText !== "";
  const idY = twoLines ? n.y + 19 : n.y + n.height / 2 + 4.5;
  return [
    `<g class="node ${n.kind}" data-id="${escapeXml(n.id)}">`,
    `<title>${escapeXml(n.label ? `${n.id}\n${n.label}` : n.id)}</title>`,
    ...shape(n),
    `<text class="id" x="${cx}" y="${num(idY)}" text-anchor="middle" font-size="${SIZES.idFont}" font-weight="600" fill="${INK.text}">${escapeXml(n.idText)}</text>`,
    ...(twoLines
      ? [`<text class="label" x="${cx}" y="${num(n.y + 35)}" text-anchor="middle" font-size="${SIZES.labelFont}" fill="${INK.muted}">${escapeXml(n.labelText)}</text>`]
      : []),
    "</g>",
  ].map((l, i, all) => (i === 0 || i === all.length - 1 ? `  ${l}` : `    ${l}`)).join("\n");
}

function edge(e: EdgeRoute): string {
  return `  <path class="edge" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}" d="${pathData(e.points)}" ` +
    `fill="none" stroke="${INK.muted}" stroke-width="1.5" marker-end="url(#flowctl-arrow)"/>`;
}

/** The picture of a pipeline's graph (see the module's comment for its structure). */
export function renderSvg(topology: Topology, options: SvgOptions = {}): string {
  const layout = layoutTopology(topology, { controlPlane: options.controlPlane, top: options.title ? TITLE_HEIGHT : 0 });
  const width = num(Math.ceil(layout.width));
  const height = num(Math.ceil(layout.height));
  const title = options.title ?? `pipeline ${topology.pipeline}`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" class="flowctl-graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" font-family="${FONT}">`,
    `  <title>${escapeXml(title)}</title>`,
    // The arrowhead's tip is the path's end, on the downstream box's left side.
    `  <defs><marker id="flowctl-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">` +
    `<path d="M0 0L10 5L0 10z" fill="${INK.muted}"/></marker></defs>`,
    ...(options.title
      ? [`  <text class="title" x="${SIZES.margin}" y="${SIZES.margin + 8}" font-size="14" font-weight="600" fill="${INK.text}">${escapeXml(options.title)}</text>`]
      : []),
    ...layout.edges.map(edge),
    ...layout.nodes.map(node),
    ...(layout.controlPlane ? [node(layout.controlPlane)] : []),
    "</svg>",
    "",
  ].join("\n");
}
