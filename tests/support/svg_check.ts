/**
 * Reads a picture from graph/svg.ts as XML (with @xmldom/xmldom, a DOM parser
 * that reports malformed XML) and checks what the picture promises for a
 * topology: every component drawn exactly once with its kind, no two boxes
 * overlapping, every box inside the picture, every edge once, running left to
 * right from its upstream's box to its downstream's without passing through
 * any box, and nothing that could load or run anything. Returns the problems
 * found; an empty list is a pass.
 */
import { DOMParser, type Element } from "@xmldom/xmldom";
import type { Topology } from "../../graph/topology.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const KINDS = ["source", "processor", "sink", "pipeline", "control-plane"];
export const CONTROL_PLANE_ID = "flowctl-control-plane";

export interface Box {
  id: string;
  kind: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Point {
  x: number;
  y: number;
}

/** The elements below `root` (any depth), in document order. */
function descendants(root: Element): Element[] {
  const out: Element[] = [];
  const walk = (e: Element) => {
    for (let c = e.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 1) {
        out.push(c as Element);
        walk(c as Element);
      }
    }
  };
  walk(root);
  return out;
}

function classes(e: Element): string[] {
  return (e.getAttribute("class") ?? "").split(/\s+/).filter(Boolean);
}

function number(e: Element, name: string, problems: string[]): number {
  const text = e.getAttribute(name);
  const n = text === null ? NaN : Number(text);
  if (!Number.isFinite(n)) problems.push(`<${e.tagName}> has no number in ${name} (${JSON.stringify(text)})`);
  // Byte stability: at most one decimal.
  else if (!/^-?\d+(\.\d)?$/.test(text!)) problems.push(`<${e.tagName}> ${name}="${text}" has more than one decimal`);
  return n;
}

/** Points along a path of absolute M, L, H, V and C commands (what graph/svg.ts writes), densely enough to meet any box. */
export function pathPoints(d: string): { points: Point[]; problem?: string } {
  const tokens = d.match(/[A-Za-z]|-?\d*\.?\d+(?:e[-+]?\d+)?/g) ?? [];
  const points: Point[] = [];
  let at: Point | undefined;
  let i = 0;
  const next = () => Number(tokens[i++]);
  const line = (to: Point) => {
    const steps = Math.max(1, Math.ceil(Math.hypot(to.x - at!.x, to.y - at!.y) / 4));
    for (let s = 1; s <= steps; s++) points.push({ x: at!.x + ((to.x - at!.x) * s) / steps, y: at!.y + ((to.y - at!.y) * s) / steps });
    at = to;
  };
  while (i < tokens.length) {
    const command = tokens[i++];
    if (command === "M") {
      at = { x: next(), y: next() };
      points.push(at);
    } else if (!at) return { points, problem: `path ${JSON.stringify(d)} does not start with M` };
    else if (command === "L") line({ x: next(), y: next() });
    else if (command === "H") line({ x: next(), y: at.y });
    else if (command === "V") line({ x: at.x, y: next() });
    else if (command === "C") {
      const [c1, c2, to] = [{ x: next(), y: next() }, { x: next(), y: next() }, { x: next(), y: next() }];
      const from = at;
      const steps = Math.max(8, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) / 4));
      for (let s = 1; s <= steps; s++) {
        const t = s / steps;
        const u = 1 - t;
        points.push({
          x: u * u * u * from.x + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t * t * t * to.x,
          y: u * u * u * from.y + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t * t * t * to.y,
        });
      }
      at = to;
    } else return { points, problem: `path ${JSON.stringify(d)} has a command the checker does not read: ${command}` };
    if (points.some((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y))) return { points, problem: `path ${JSON.stringify(d)} is malformed` };
  }
  return { points };
}

/** Whether two boxes share any area (touching edges do not count). */
export function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Whether a point lies inside a box, more than `inset` from its border. */
function inside(p: Point, b: Box, inset = 0.5): boolean {
  return p.x > b.x + inset && p.x < b.x + b.width - inset && p.y > b.y + inset && p.y < b.y + b.height - inset;
}

export interface SvgReading {
  width: number;
  height: number;
  boxes: Box[];
  problems: string[];
}

/** Everything wrong with `svg` as the picture of `topology`. */
export function svgProblems(svg: string, topology: Topology, options: { controlPlane?: boolean } = {}): SvgReading {
  const problems: string[] = [];
  // Warnings (such as one for U+FFFD, which the picture uses for characters XML cannot hold) are not problems.
  const parser = new DOMParser({ onError: (level: string, message: string) => void (level !== "warning" && problems.push(`XML ${level}: ${message}`)) });
  let doc;
  try {
    doc = parser.parseFromString(svg, "image/svg+xml");
  } catch (err) {
    return { width: 0, height: 0, boxes: [], problems: [`not XML: ${(err as Error).message}`] };
  }
  // The parser lets a bare & pass; XML does not.
  for (const m of svg.matchAll(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g)) problems.push(`XML error: a bare & at offset ${m.index}`);
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || root.namespaceURI !== SVG_NS) {
    return { width: 0, height: 0, boxes: [], problems: [...problems, `the root is not <svg xmlns="${SVG_NS}">`] };
  }
  const width = number(root, "width", problems);
  const height = number(root, "height", problems);
  if (root.getAttribute("viewBox") !== `0 0 ${root.getAttribute("width")} ${root.getAttribute("height")}`) {
    problems.push(`viewBox ${JSON.stringify(root.getAttribute("viewBox"))} is not 0 0 width height`);
  }
  const all = descendants(root);

  // Nothing that runs or loads: no script, foreign content, images, styles, handlers, or references leaving the file.
  for (const e of [root, ...all]) {
    if (["script", "foreignObject", "image", "style", "iframe", "a", "use"].includes(e.localName!)) problems.push(`<${e.localName}> in the picture`);
    for (let i = 0; i < e.attributes.length; i++) {
      const a = e.attributes.item(i)!;
      if (/^on/i.test(a.localName!)) problems.push(`event handler ${a.name} on <${e.localName}>`);
      if (a.localName === "href" && !a.value.startsWith("#")) problems.push(`<${e.localName}> refers to ${a.value}`);
      for (const m of a.value.matchAll(/url\(([^)]*)\)/g)) if (!m[1].startsWith("#")) problems.push(`<${e.localName}> ${a.name} loads ${m[1]}`);
    }
  }

  // Boxes: one <g class="node KIND" data-id> per component, its shape a <rect class="shape">.
  const boxes: Box[] = [];
  for (const g of all.filter((e) => e.localName === "g" && classes(e).includes("node"))) {
    const id = g.getAttribute("data-id");
    const kinds = classes(g).filter((c) => KINDS.includes(c));
    if (id === null) problems.push(`a node without data-id`);
    if (kinds.length !== 1) problems.push(`node ${JSON.stringify(id)} has classes ${JSON.stringify(g.getAttribute("class"))}, not node and one kind`);
    const shape = descendants(g).find((e) => e.localName === "rect" && classes(e).includes("shape"));
    if (!shape) {
      problems.push(`node ${JSON.stringify(id)} has no <rect class="shape">`);
      continue;
    }
    const box = { id: id ?? "", kind: kinds[0], x: number(shape, "x", problems), y: number(shape, "y", problems), width: number(shape, "width", problems), height: number(shape, "height", problems) };
    boxes.push(box);
    const texts = descendants(g).filter((e) => e.localName === "text");
    const idText = texts.find((e) => classes(e).includes("id"))?.textContent;
    const labelText = texts.find((e) => classes(e).includes("label"))?.textContent ?? "";
    const shows = (drawn: string | null | undefined, full: string) => drawn === full || (drawn?.endsWith("…") && full.startsWith(drawn.slice(0, -1)));
    const component = topology.components.find((c) => c.id === id);
    if (!shows(idText, id ?? "")) problems.push(`node ${JSON.stringify(id)} shows its id as ${JSON.stringify(idText)}`);
    if (component && !shows(labelText, component.label)) problems.push(`node ${JSON.stringify(id)} shows its label as ${JSON.stringify(labelText)}`);
    if (box.x < 0 || box.y < 0 || box.x + box.width > width || box.y + box.height > height) {
      problems.push(`node ${JSON.stringify(id)} (${box.x},${box.y} ${box.width}×${box.height}) is outside the ${width}×${height} picture`);
    }
  }
  const expected = topology.components.map((c) => ({ id: c.id, kind: c.kind as string }));
  if (options.controlPlane) expected.push({ id: CONTROL_PLANE_ID, kind: "control-plane" });
  for (const { id, kind } of expected) {
    const found = boxes.filter((b) => b.id === id);
    if (found.length !== 1) problems.push(`component ${JSON.stringify(id)} is drawn ${found.length} times`);
    else if (found[0].kind !== kind) problems.push(`component ${JSON.stringify(id)} is drawn as a ${found[0].kind}, not a ${kind}`);
  }
  for (const b of boxes) if (!expected.some((e) => e.id === b.id)) problems.push(`node ${JSON.stringify(b.id)} is no component`);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (overlap(boxes[i], boxes[j])) problems.push(`nodes ${JSON.stringify(boxes[i].id)} and ${JSON.stringify(boxes[j].id)} overlap`);
    }
  }
  const controlPlane = boxes.find((b) => b.kind === "control-plane");
  const components = boxes.filter((b) => b.kind !== "control-plane");
  if (controlPlane && components.length) {
    const below = components.every((b) => controlPlane.y >= b.y + b.height);
    const above = components.every((b) => controlPlane.y + controlPlane.height <= b.y);
    if (!below && !above) problems.push("the control plane is not drawn apart (above or below every component)");
  }

  // Edges: one <path class="edge"> per input, from the upstream's right side to the downstream's left.
  const wanted = new Set(topology.components.flatMap((c) => c.inputs.filter((i) => i !== c.id).map((i) => JSON.stringify([i, c.id]))));
  const drawn = new Set<string>();
  const byId = new Map(boxes.map((b) => [b.id, b]));
  for (const path of all.filter((e) => classes(e).includes("edge"))) {
    const from = path.getAttribute("data-from") ?? "";
    const to = path.getAttribute("data-to") ?? "";
    const name = `edge ${from} → ${to}`;
    const pair = JSON.stringify([from, to]);
    if (path.localName !== "path") problems.push(`${name} is a <${path.localName}>, not a <path>`);
    if (!wanted.has(pair)) problems.push(`${name} is no input of the pipeline`);
    if (drawn.has(pair)) problems.push(`${name} is drawn twice`);
    drawn.add(pair);
    if (!/^url\(#[^)]+\)$/.test(path.getAttribute("marker-end") ?? "")) problems.push(`${name} has no arrowhead`);
    const u = byId.get(from);
    const v = byId.get(to);
    const { points, problem } = pathPoints(path.getAttribute("d") ?? "");
    if (problem) problems.push(`${name}: ${problem}`);
    if (!u || !v || points.length < 2) continue;
    const [start, end] = [points[0], points[points.length - 1]];
    if (Math.abs(start.x - (u.x + u.width)) > 0.15 || start.y < u.y || start.y > u.y + u.height) {
      problems.push(`${name} starts at ${start.x},${start.y}, not on ${from}'s right side`);
    }
    if (Math.abs(end.x - v.x) > 0.15 || end.y < v.y || end.y > v.y + v.height) problems.push(`${name} ends at ${end.x},${end.y}, not on ${to}'s left side`);
    if (points.some((p, k) => k > 0 && p.x < points[k - 1].x - 0.05)) problems.push(`${name} runs right to left somewhere`);
    const crossed = boxes.filter((b) => points.some((p) => inside(p, b)));
    if (crossed.length) problems.push(`${name} passes through ${crossed.map((b) => b.id).join(", ")}`);
  }
  for (const pair of wanted) if (!drawn.has(pair)) problems.push(`edge ${JSON.parse(pair).join(" → ")} is not drawn`);
  return { width, height, boxes, problems };
}
