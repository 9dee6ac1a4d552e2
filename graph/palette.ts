/** The colours every picture gives each kind of box (SVG, Mermaid, DOT), so they look alike. */
import type { NodeKind } from "./topology.ts";

export const PALETTE: Record<NodeKind | "control-plane", { fill: string; stroke: string }> = {
  source: { fill: "#e6f4ea", stroke: "#2e7d32" },
  processor: { fill: "#e8f0fe", stroke: "#1a73e8" },
  sink: { fill: "#fef3e0", stroke: "#e37400" },
  pipeline: { fill: "#f3e8fd", stroke: "#8430ce" },
  "control-plane": { fill: "#f1f3f4", stroke: "#5f6368" },
};

/** Edges, and the smaller text under an id. */
export const INK = { text: "#202124", muted: "#5f6368" } as const;
