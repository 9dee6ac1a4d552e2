/**
 * The pictures of graph/: every SVG is read back as XML by tests/support/svg_check.ts
 * (each component once, no boxes overlapping, edges left to right from box to
 * box and through none, nothing that loads or runs), on every fixture and on
 * generated pipelines of 50 components; the same topology gives the same
 * bytes; hostile ids and labels stay text in SVG, Mermaid and DOT; and the
 * checker is shown to fail on pictures that break each rule.
 */
import assert from "node:assert/strict";
import { topologyOf } from "../../generators/shared/topology.ts";
import { renderDot } from "../../graph/dot.ts";
import { layoutTopology, SIZES } from "../../graph/layout.ts";
import { escapeMermaid, renderMermaid } from "../../graph/mermaid.ts";
import { escapeXml, renderSvg } from "../../graph/svg.ts";
import { textWidth, truncate } from "../../graph/text.ts";
import type { Topology, TopologyNode } from "../../graph/topology.ts";
import { validate } from "../../translate/compile.ts";
import { generatedPipeline } from "../../scripts/generated_pipeline.ts";
import { cue, fixtureFiles, ROOT } from "../support/helpers.ts";
import { svgProblems } from "../support/svg_check.ts";

const FAN_OUT: Topology = {
  pipeline: "ledger-fanout",
  components: [
    { id: "ledger-source", kind: "source", label: "docker.io/withobsrvr/stellar-live-source:v1.0.0", inputs: [] },
    { id: "token-transfers", kind: "processor", label: "docker.io/withobsrvr/ttp-processor:v1.2.0", inputs: ["ledger-source"] },
    { id: "postgres", kind: "sink", label: "docker.io/withobsrvr/postgres-sink:v1.0.0", inputs: ["token-transfers"] },
    { id: "duckdb", kind: "sink", label: "docker.io/withobsrvr/duckdb-consumer:v1.0.0", inputs: ["token-transfers", "ledger-source"] },
  ],
};

/** Ids and labels that are markup, quotes, entities, control characters, surrogates and wide text in some language. */
const HOSTILE: Topology = {
  pipeline: `<svg onload="x">&amp;`,
  components: [
    { id: `<script>alert(1)</script>`, kind: "source", label: `a"b'c&d<e>f]]>`, inputs: [] },
    { id: `mid"quote\\back`, kind: "processor", label: `sh -c 'echo $HOME; x=\`id\`'`, inputs: [`<script>alert(1)</script>`] },
    { id: "end", kind: "processor", label: "tab\there\u0001bell\u0007 lone\ud800 surrogate", inputs: [`mid"quote\\back`] },
    { id: "流水线-sink-🚰", kind: "sink", label: "x".repeat(300), inputs: ["end"] },
    { id: "constructor", kind: "pipeline", label: "", inputs: [] },
    { id: "__proto__", kind: "sink", label: "%%{init: {}}%% #35; \\N \\G", inputs: ["end", "constructor"] },
  ],
};

/** A deterministic pseudo-random generator (an LCG), so generated pipelines are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/**
 * n components in layers: a tenth sources, a fifth sinks, processors in layers of seven, each
 * reading one or two components of the layer before (now and then of any earlier layer).
 */
function layeredPipeline(n: number, seed = 7): Topology {
  const random = lcg(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const components: TopologyNode[] = [];
  const layers: string[][] = [[]];
  for (let i = 0; i < Math.max(1, Math.round(n / 10)); i++) {
    components.push({ id: `source-${i}`, kind: "source", label: `registry.example.com/ingest/source-${i}:1.0`, inputs: [] });
    layers[0].push(`source-${i}`);
  }
  const sinks = Math.max(1, Math.round(n / 5));
  for (let made = 0; components.length < n - sinks; made++) {
    if (made % 7 === 0) layers.push([]);
    const id = `stage${layers.length - 1}-${made % 7}`;
    const previous = layers[layers.length - 2];
    const inputs = new Set([pick(previous), random() < 0.5 ? pick(random() < 0.7 ? previous : layers.slice(0, -1).flat()) : pick(previous)]);
    components.push({ id, kind: "processor", label: `example/processor-${made}:${made % 3}.0`, inputs: [...inputs] });
    layers[layers.length - 1].push(id);
  }
  const late = layers.slice(-2).flat();
  for (let i = 0; i < sinks; i++) components.push({ id: `sink-${i}`, kind: "sink", label: `example/sink:${i}`, inputs: [pick(late)] });
  return { pipeline: `layered-${n}`, components };
}

/** Every valid fixture's pipelines, as `flowctl graph` draws them. */
async function fixtureTopologies(): Promise<{ name: string; topology: Topology }[]> {
  const out = [];
  for (const fixture of await fixtureFiles("fixtures")) {
    const text = await Deno.readFile(new URL(`fixtures/${fixture}`, ROOT));
    const { pipelines } = validate(text, { filename: fixture, cue: await cue() });
    assert(pipelines.length > 0, fixture);
    for (const ir of pipelines) out.push({ name: `${fixture} (${ir.name})`, topology: topologyOf(ir) });
  }
  return out;
}

Deno.test("renderSvg() draws every fixture as the picture promises, with and without the control plane and a title", async () => {
  for (const { name, topology } of await fixtureTopologies()) {
    assert.deepEqual(svgProblems(renderSvg(topology), topology).problems, [], name);
    const full = renderSvg(topology, { controlPlane: true, title: `Pipeline ${topology.pipeline}` });
    assert.deepEqual(svgProblems(full, topology, { controlPlane: true }).problems, [], `${name}, with the control plane`);
  }
});

Deno.test("renderSvg() gives the same bytes for the same topology", () => {
  for (const topology of [FAN_OUT, HOSTILE, layeredPipeline(50)]) {
    const first = renderSvg(topology, { controlPlane: true, title: "t" });
    assert.equal(renderSvg(structuredClone(topology), { controlPlane: true, title: "t" }), first);
    // No number longer than one decimal: what keeps the bytes the same across hosts.
    assert.doesNotMatch(first, / (?:x|y|width|height|rx|ry|d|viewBox)="[^"]*\d\.\d\d/);
  }
});

Deno.test("renderSvg() keeps 50 components readable: no overlaps, edges from box to box, a sane size", async () => {
  const layered = layeredPipeline(50);
  assert.equal(layered.components.length, 50);
  const svg = renderSvg(layered, { controlPlane: true });
  const read = svgProblems(svg, layered, { controlPlane: true });
  assert.deepEqual(read.problems, []);
  // Seven layers of at most seven boxes: a picture a screen or two across, not a ribbon.
  assert(read.width <= 2000 && read.height <= 2600, `${read.width}×${read.height}`);
  const boxes = read.boxes.filter((b) => b.kind !== "control-plane");
  const area = boxes.reduce((sum, b) => sum + b.width * b.height, 0);
  assert(area / (read.width * read.height) > 0.08, `boxes fill ${area / (read.width * read.height)} of the picture`);

  // scripts/generated_pipeline.ts: a chain of 45 processors with sinks off it. As wide as its
  // columns need and no wider, a few boxes tall.
  const chain = generatedPipeline(50);
  const { pipelines } = validate(chain, { cue: await cue() });
  const topology = topologyOf(pipelines[0]);
  const layout = layoutTopology(topology);
  const columns = new Set(layout.nodes.map((n) => n.x + n.width / 2)).size;
  const read2 = svgProblems(renderSvg(topology), topology);
  assert.deepEqual(read2.problems, []);
  assert(read2.width <= columns * (SIZES.maxNodeWidth + SIZES.columnGap) + 2 * SIZES.margin, `${read2.width} for ${columns} columns`);
  assert(read2.height <= 4 * (SIZES.nodeHeight + SIZES.nodeGap) + 2 * SIZES.margin, `${read2.height}`);
});

Deno.test("renderSvg() keeps hostile ids and labels as text: XML escaped, cut with …, data-id exact", () => {
  const svg = renderSvg(HOSTILE, { controlPlane: true, title: HOSTILE.pipeline });
  const clean: Topology = {
    ...HOSTILE,
    // XML cannot hold C0 controls or lone surrogates: the picture shows U+FFFD for them, and the checker expects that.
    // deno-lint-ignore no-control-regex -- the control characters HOSTILE holds
    components: HOSTILE.components.map((c) => ({ ...c, label: c.label.replace(/[\x01\x07]|\ud800/g, "\ufffd") })),
  };
  assert.deepEqual(svgProblems(svg, clean, { controlPlane: true }).problems, []);
  assert.doesNotMatch(svg, /<script|onload="/);
  assert.match(svg, /data-id="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
  assert.match(svg, /data-id="mid&quot;quote\\back"/);
  assert.match(svg, /<text class="label"[^>]*>x+…<\/text>/);
  // The whole label is still there, in the box's tooltip.
  assert(svg.includes(`<title>流水线-sink-🚰\n${"x".repeat(300)}</title>`));
  // An SVG from an empty pipeline is still a picture.
  const empty = { pipeline: "empty", components: [] };
  assert.deepEqual(svgProblems(renderSvg(empty, { controlPlane: true }), empty, { controlPlane: true }).problems, []);
});

Deno.test("layoutTopology() draws what validate rejects without throwing: cycles, self-inputs, unknown and repeated inputs", () => {
  const broken: Topology = {
    pipeline: "broken",
    components: [
      { id: "a", kind: "source", label: "", inputs: ["c"] },
      { id: "b", kind: "processor", label: "x", inputs: ["a", "a", "b", "nowhere"] },
      { id: "c", kind: "processor", label: "y", inputs: ["b"] },
    ],
  };
  const layout = layoutTopology(broken);
  assert.deepEqual(layout.edges.map((e) => `${e.from}→${e.to}`), ["c→a", "a→b", "b→c"]);
  assert.equal(layout.nodes.length, 3);
  for (const e of layout.edges) assert(e.points.length >= 2 && e.points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
});

Deno.test("textWidth() and truncate() estimate a monospace font: wide characters count twice, cut text ends in …", () => {
  assert.equal(textWidth("abcd", 10), 4 * 0.62 * 10);
  assert.equal(textWidth("流水", 10), textWidth("abcd", 10));
  assert.equal(truncate("short", 10, 100), "short");
  const cut = truncate("x".repeat(100), 10, 100);
  assert(cut.endsWith("…") && textWidth(cut, 10) <= 100, cut);
  assert.equal(truncate("🚰🚰🚰🚰", 10, 30), "🚰…");
});

Deno.test("renderMermaid() names nodes n0, n1, …, writes text as safe characters and entities, and draws each input once", () => {
  const text = renderMermaid(HOSTILE);
  const lines = text.trimEnd().split("\n");
  assert.equal(lines[0], `%% pipeline "<svg onload=\\"x\\">&amp;"`);
  assert.equal(lines[1], "flowchart LR");
  const nodes = lines.filter((l) => /^ {2}n\d+[([]/.test(l));
  assert.equal(nodes.length, HOSTILE.components.length);
  for (const [i, line] of nodes.entries()) {
    const m = /^ {2}n(\d+)(\(\[|\[\(|\[\[|\[)"([^"]*)"(\]\)|\)\]|\]\]|\])$/.exec(line);
    assert(m, line);
    assert.equal(Number(m[1]), i);
    // Between the quotes: only the safe set, entities (#N;) and the one line break.
    assert.match(m[3], /^(?:[A-Za-z0-9 ._:/@+=,-]|#\d+;|<br\/>)*$/, line);
    const decoded = m[3].split("<br/>").map((part) => part.replace(/#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))));
    assert.equal(decoded[0], HOSTILE.components[i].id);
  }
  assert.equal(escapeMermaid(`a"#;<b>`), "a#34;#35;#59;#60;b#62;");
  assert.deepEqual(lines.filter((l) => l.includes("-->")), ["  n0 --> n1", "  n1 --> n2", "  n2 --> n3", "  n2 --> n5", "  n4 --> n5"]);
  assert.equal(renderMermaid(structuredClone(HOSTILE)), text);
});

Deno.test("renderDot() quotes ids and labels so that Graphviz reads them back exactly", () => {
  const text = renderDot(HOSTILE);
  // Graphviz's quoted strings: \" is a quote; every label also turns \\ into \ and \n into a line break.
  const strings = [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
  const unquote = (s: string) => s.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
  const labels = [...text.matchAll(/label="((?:[^"\\]|\\.)*)"/g)].map((m) => unquote(m[1]));
  for (const c of HOSTILE.components) assert(labels.includes(c.label ? `${c.id}\n${c.label}` : c.id), c.id);
  assert(strings.length > HOSTILE.components.length * 2);
  // What is left outside quoted strings is DOT's own syntax: no id leaked out.
  const outside = text.replace(/"((?:[^"\\]|\\.)*)"/g, '""');
  assert.doesNotMatch(outside.replace(/^\/\/.*$/gm, ""), /script|alert|proto/);
  assert.equal((outside.match(/{/g) ?? []).length, (outside.match(/}/g) ?? []).length);
  assert.equal(text.split("\n").filter((l) => l.includes(" -> ")).length, 5);
  assert.equal(renderDot(structuredClone(HOSTILE)), text);
});

Deno.test("escapeXml() leaves nothing XML would read as markup or reject", () => {
  assert.equal(escapeXml(`<a href="x">&'</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  assert.equal(escapeXml("a\u0000b\u001fc\ud800d\udc00e\ud83d\udeb0"), "a\ufffdb\ufffdc\ufffdd\ufffde\ud83d\udeb0");
});

/** Mutations of a good picture, each breaking one promise; the checker must name each one. */
Deno.test("svgProblems() fails on pictures that break each promise (the checker can fail)", () => {
  const good = renderSvg(FAN_OUT, { controlPlane: true });
  assert.deepEqual(svgProblems(good, FAN_OUT, { controlPlane: true }).problems, []);
  const node = (id: string) => new RegExp(`  <g class="node [a-z-]+" data-id="${id}">[\\s\\S]*?</g>\\n`);
  const rect = (svg: string, id: string) => /<rect class="shape" x="([\d.]+)" y="([\d.]+)"/.exec(node(id).exec(svg)![0])!;
  const [, px, py] = rect(good, "postgres");
  const [, dx, dy] = rect(good, "duckdb");
  // The middle of token-transfers' box, for an edge from ledger-source to duckdb that runs through it.
  const [, tx, ty] = rect(good, "token-transfers");
  const through = `${Number(tx) + 20} ${Number(ty) + 23}L`;
  const cases: [string, string, RegExp][] = [
    ["a box moved onto another", good.replace(node("postgres"), (g) => g.replace(`x="${px}" y="${py}"`, `x="${dx}" y="${dy}"`)), /overlap/],
    ["a component left out", good.replace(node("duckdb"), ""), /"duckdb" is drawn 0 times/],
    ["a component drawn twice", good.replace(node("duckdb"), (g) => g + g), /"duckdb" is drawn 2 times/],
    ["a component of the wrong kind", good.replace(`class="node sink" data-id="postgres"`, `class="node source" data-id="postgres"`), /drawn as a source/],
    ["an edge the wrong way round", good.replace(`data-from="ledger-source" data-to="token-transfers"`, `data-from="token-transfers" data-to="ledger-source"`), /no input of the pipeline/],
    ["an edge left out", good.replace(/ {2}<path class="edge" data-from="token-transfers" data-to="postgres"[^\n]*\n/, ""), /token-transfers → postgres is not drawn/],
    ["an edge through a box", good.replace(/(data-from="ledger-source" data-to="duckdb" d=")(M[\d.]+ [\d.]+)[^"]*/, (_, a, m) => `${a}${m}L${through}${/d="[^"]*?([\d.]+ [\d.]+)" fill="none"[^\n]*marker-end/.exec(good.split("\n").find((l) => l.includes('data-to="duckdb"') && l.includes('data-from="ledger-source"'))!)![1]}`), /passes through token-transfers/],
    ["an edge that ends short of its box", good.replace(/(data-from="token-transfers" data-to="postgres" d="[^"]*)"/, (_, d) => `${d}H1"`), /right to left|ends at/],
    ["an edge without an arrowhead", good.replace(/( data-to="postgres"[^\n]*) marker-end="url\(#flowctl-arrow\)"/, "$1"), /no arrowhead/],
    ["a box outside the picture", good.replace(/width="(\d+)" height="(\d+)" viewBox="0 0 \d+ \d+"/, `width="10" height="10" viewBox="0 0 10 10"`), /outside/],
    ["a script", good.replace("</svg>", "<script>alert(1)</script></svg>"), /<script>/],
    ["an external image", good.replace("</svg>", `<image href="https://example.com/x.png"/></svg>`), /<image>|refers to/],
    ["an event handler", good.replace(`role="img"`, `role="img" onload="x()"`), /event handler/],
    ["unescaped text", good.replace(">ledger-source</text>", ">ledger & source</text>"), /XML|not XML/],
    ["a number with noise", good.replace(/(<rect class="shape" x=")(\d+)/, "$1$2.0001"), /more than one decimal/],
    ["the control plane wired in", good.replace("</svg>", `<path class="edge" data-from="flowctl-control-plane" data-to="postgres" d="M0 0H1" marker-end="url(#a)"/></svg>`), /no input/],
    ["the control plane missing", good.replace(node("flowctl-control-plane"), ""), /"flowctl-control-plane" is drawn 0 times/],
  ];
  for (const [what, svg, expected] of cases) {
    assert.notEqual(svg, good, `the mutation "${what}" changed nothing`);
    const { problems } = svgProblems(svg, FAN_OUT, { controlPlane: true });
    assert(problems.some((p) => expected.test(p)), `${what}: ${JSON.stringify(problems)}`);
  }
});
