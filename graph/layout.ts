/**
 * Where each component and edge of a pipeline's graph goes, left to right:
 * dagre's layered layout (ranks, crossing reduction, coordinates), with node
 * sizes from the text each node shows. Edges are routed here, not by dagre:
 * each leaves its upstream's right side and enters its downstream's left
 * side, runs straight across a column it passes and bends only in the gaps
 * between columns, so it never crosses a box. Pure and deterministic: dagre
 * draws no random numbers, and the same topology is fed in the same order.
 */
import dagre from "@dagrejs/dagre";
import type { NodeKind, Topology } from "./topology.ts";
import { textWidth, truncate } from "./text.ts";

/** The sizes every picture shares, in pixels. */
export const SIZES = {
  idFont: 13,
  labelFont: 11,
  nodeHeight: 46,
  minNodeWidth: 120,
  maxNodeWidth: 360,
  paddingX: 12,
  /** Space between boxes of one column, and between columns. */
  nodeGap: 24,
  columnGap: 64,
  margin: 16,
  /** Between the graph and the control plane drawn below it. */
  controlPlaneGap: 32,
} as const;

export interface Point {
  x: number;
  y: number;
}

/** A box: its top-left corner, size, and the text it shows (cut with … to fit). */
export interface NodeBox {
  id: string;
  kind: NodeKind | "control-plane";
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
  idText: string;
  labelText: string;
}

/**
 * An edge as points to join in order: where two have the same y, a straight
 * line; else an S-bend that leaves and arrives horizontally. The first point
 * is on the upstream box's right side, the last on the downstream's left.
 */
export interface EdgeRoute {
  from: string;
  to: string;
  points: Point[];
}

export interface Layout {
  width: number;
  height: number;
  /** In the topology's order. */
  nodes: NodeBox[];
  /** In the order of the downstream components, then of their inputs; each (from, to) once, none from a component to itself. */
  edges: EdgeRoute[];
  /** Below the graph, with no edges, when asked for. */
  controlPlane?: NodeBox;
}

export interface LayoutOptions {
  /** Draw the control plane's box below the graph. */
  controlPlane?: boolean;
  /** Space to leave above everything (for a title). */
  top?: number;
}

/** The control plane's box: its id is the name every target gives it. */
export const CONTROL_PLANE = { id: "flowctl-control-plane", label: "control plane" } as const;

/** A box's size and text, from its id and label. */
function sized(id: string, label: string): { width: number; idText: string; labelText: string } {
  const room = SIZES.maxNodeWidth - 2 * SIZES.paddingX;
  const idText = truncate(id, SIZES.idFont, room);
  const labelText = truncate(label, SIZES.labelFont, room);
  const text = Math.max(textWidth(idText, SIZES.idFont), textWidth(labelText, SIZES.labelFont));
  const width = Math.min(SIZES.maxNodeWidth, Math.max(SIZES.minNodeWidth, Math.ceil(text + 2 * SIZES.paddingX)));
  return { width, idText, labelText };
}

/** The layered layout of a topology. */
export function layoutTopology(topology: Topology, options: LayoutOptions = {}): Layout {
  const top = options.top ?? 0;
  const { components } = topology;
  // dagre keys its nodes by object properties: ids such as `__proto__` or `constructor` would clash, so it gets indexes.
  const key = new Map(components.map((c, i) => [c.id, `n${i}`]));
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (const c of components) {
    for (const input of c.inputs) {
      const pair = `${key.get(input)} ${key.get(c.id)}`;
      if (input === c.id || !key.has(input) || seen.has(pair)) continue;
      seen.add(pair);
      pairs.push([input, c.id]);
    }
  }

  const g = new dagre.graphlib.Graph();
  g.setGraph({
    rankdir: "LR",
    nodesep: SIZES.nodeGap,
    edgesep: SIZES.nodeGap / 2,
    ranksep: SIZES.columnGap,
    marginx: SIZES.margin,
    marginy: SIZES.margin,
  });
  g.setDefaultEdgeLabel(() => ({}));
  const boxes = components.map((c) => ({ c, ...sized(c.id, c.label) }));
  for (const b of boxes) g.setNode(key.get(b.c.id)!, { width: b.width, height: SIZES.nodeHeight });
  for (const [from, to] of pairs) g.setEdge(key.get(from)!, key.get(to)!);
  if (components.length) dagre.layout(g);

  const nodes: NodeBox[] = boxes.map((b) => {
    const n = g.node(key.get(b.c.id)!);
    return {
      id: b.c.id,
      kind: b.c.kind,
      label: b.c.label,
      x: n.x! - b.width / 2,
      y: n.y! - SIZES.nodeHeight / 2 + top,
      width: b.width,
      height: SIZES.nodeHeight,
      idText: b.idText,
      labelText: b.labelText,
    };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const rankOf = new Map(components.map((c) => [c.id, g.node(key.get(c.id)!).rank ?? 0]));

  // A column: the nodes of one rank share a centre x; its extent is that of its widest box.
  const columns = new Map<number, { left: number; right: number }>();
  for (const n of nodes) {
    const rank = rankOf.get(n.id)!;
    const col = columns.get(rank);
    columns.set(rank, col ? { left: Math.min(col.left, n.x), right: Math.max(col.right, n.x + n.width) } : { left: n.x, right: n.x + n.width });
  }
  const columnAt = (x: number) => [...columns.values()].find((col) => Math.abs((col.left + col.right) / 2 - x) < 0.5);

  // Ports: the edges leaving (or entering) one side of a box are spread over its middle, ordered by where they go.
  const outgoing = new Map<string, string[]>();
  const incoming = new Map<string, string[]>();
  for (const [from, to] of pairs) {
    (outgoing.get(from) ?? outgoing.set(from, []).get(from)!).push(to);
    (incoming.get(to) ?? incoming.set(to, []).get(to)!).push(from);
  }
  const centreY = (id: string) => byId.get(id)!.y + SIZES.nodeHeight / 2;
  const port = (box: NodeBox, others: string[], other: string) => {
    const order = [...others].sort((a, b) => centreY(a) - centreY(b) || others.indexOf(a) - others.indexOf(b));
    const span = box.height * 0.6;
    return box.y + (box.height - span) / 2 + (span * (order.indexOf(other) + 1)) / (order.length + 1);
  };

  const edges: EdgeRoute[] = pairs.map(([from, to]) => {
    const u = byId.get(from)!;
    const v = byId.get(to)!;
    const start = { x: u.x + u.width, y: port(u, outgoing.get(from)!, to) };
    const end = { x: v.x, y: port(v, incoming.get(to)!, from) };
    const points: Point[] = [start];
    if (rankOf.get(from)! < rankOf.get(to)!) {
      const own = columns.get(rankOf.get(from)!)!;
      if (own.right > start.x) points.push({ x: own.right, y: start.y });
      // dagre's points for a long edge: one per rank it passes; those at a column's centre cross that column.
      const through = (g.edge(key.get(from)!, key.get(to)!).points ?? []).slice(1, -1);
      for (const p of through) {
        const col = columnAt(p.x);
        if (!col) continue;
        points.push({ x: col.left, y: p.y + top }, { x: col.right, y: p.y + top });
      }
      const last = columns.get(rankOf.get(to)!)!;
      if (last.left < end.x) points.push({ x: last.left, y: end.y });
    }
    points.push(end);
    return { from, to, points };
  });

  const graphWidth = components.length ? g.graph().width! : 2 * SIZES.margin;
  let height = (components.length ? g.graph().height! : 2 * SIZES.margin) + top;
  let width = graphWidth;
  let controlPlane: NodeBox | undefined;
  if (options.controlPlane) {
    const size = sized(CONTROL_PLANE.id, CONTROL_PLANE.label);
    width = Math.max(width, size.width + 2 * SIZES.margin);
    const y = components.length ? height - SIZES.margin + SIZES.controlPlaneGap : height - SIZES.margin;
    controlPlane = {
      id: CONTROL_PLANE.id,
      kind: "control-plane",
      label: CONTROL_PLANE.label,
      x: (width - size.width) / 2,
      y,
      width: size.width,
      height: SIZES.nodeHeight,
      idText: size.idText,
      labelText: size.labelText,
    };
    height = y + SIZES.nodeHeight + SIZES.margin;
  }
  return { width, height, nodes, edges, ...(controlPlane && { controlPlane }) };
}
