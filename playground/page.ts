/**
 * The playground's script (bundled for the browser by scripts/bundle.ts):
 * each edit or target change posts the pipeline to /v1/translate, then shows
 * the generated files and marks each diagnostic at its line in the gutter.
 * The pipeline's graph is drawn here, in the browser, from what is being
 * edited (playground/sketch.ts, graph/svg.ts), valid or not; a diagnostic
 * about a component marks its node, and clicking a node selects its lines.
 */
/// <reference lib="dom" />
import type { Diagnostic } from "../compiler/diagnostics.ts";
import { renderSvg } from "../graph/svg.ts";
import { componentOf, type Sketch, sketchPipelines } from "./sketch.ts";

const EXAMPLE = `apiVersion: flowctl/v1
kind: Pipeline
metadata:
  name: hello
spec:
  sources:
    - id: ledger
      image: docker.io/withobsrvr/stellar-live-source:v1.0.0
      ports: [{containerPort: 50052}]
  processors:
    - id: transfers
      image: docker.io/withobsrvr/ttp-processor:v1.2.0
      inputs: [ledger]
      ports: [{containerPort: 50053}]
  sinks:
    - id: postgres
      image: docker.io/withobsrvr/postgres-sink:v1.0.0
      inputs: [transfers]
`;

interface TranslateResponse {
  target?: string;
  files?: { path: string; content: string }[];
  diagnostics?: Diagnostic[];
  error?: { code: string; message: string };
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const source = $<HTMLTextAreaElement>("source");
const gutter = $<HTMLDivElement>("gutter");
const target = $<HTMLSelectElement>("target");
const status = $<HTMLSpanElement>("status");
const list = $<HTMLUListElement>("diagnostics");
const filesPane = $<HTMLDivElement>("files");
const graphPane = $<HTMLDivElement>("graph");

let marks = new Map<number, Diagnostic[]>();
let sketches: Sketch[] = [];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text = "", className = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** One gutter row per source line, marked when a diagnostic points there. */
function drawGutter(): void {
  const lines = source.value.split("\n").length;
  gutter.replaceChildren(
    ...Array.from({ length: lines }, (_, i) => {
      const here = marks.get(i + 1) ?? [];
      const row = element("div", String(i + 1), here.some((d) => d.severity === "error") ? "error" : here.length ? "warning" : "");
      row.dataset.line = String(i + 1);
      if (here.length) row.title = here.map((d) => `${d.code}: ${d.message}`).join("\n");
      return row;
    }),
  );
  gutter.scrollTop = source.scrollTop;
}

/** Puts the caret on a line and scrolls to it. */
function selectLine(line: number): void {
  const starts = source.value.split("\n").slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const end = source.value.indexOf("\n", starts);
  source.focus();
  source.setSelectionRange(starts, end === -1 ? source.value.length : end);
  const lineHeight = source.scrollHeight / Math.max(1, source.value.split("\n").length);
  source.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

/** One picture per pipeline document of the text; what cannot be read yet draws nothing. */
function drawGraph(text: string): void {
  try {
    sketches = sketchPipelines(text);
  } catch {
    sketches = []; // the service reports what is wrong with the text
  }
  graphPane.replaceChildren(
    ...sketches.map((sketch) => {
      const figure = element("figure");
      const svg = new DOMParser().parseFromString(renderSvg(sketch.topology), "image/svg+xml").documentElement;
      figure.append(element("figcaption", `pipeline ${sketch.topology.pipeline}`), document.importNode(svg, true));
      figure.addEventListener("click", (event) => {
        const id = (event.target as Element).closest(".node")?.getAttribute("data-id");
        const place = sketch.places.find((p) => p.id === id);
        if (place) selectLine(place.firstLine);
      });
      return figure;
    }),
  );
}

/** Marks the node of each component a diagnostic is about: has-error, else has-warning. */
function markGraph(diagnostics: readonly Diagnostic[]): void {
  const figures = [...graphPane.children];
  for (const node of graphPane.querySelectorAll(".node")) node.classList.remove("has-error", "has-warning");
  for (const d of diagnostics) {
    const found = componentOf(d, sketches);
    if (!found) continue;
    const node = [...(figures[found.sketch]?.querySelectorAll(".node") ?? [])].find((n) => n.getAttribute("data-id") === found.id);
    if (!node || node.classList.contains("has-error")) continue;
    if (d.severity === "error") node.classList.replace("has-warning", "has-error") || node.classList.add("has-error");
    else node.classList.add("has-warning");
  }
}

function show(answer: TranslateResponse): void {
  const diagnostics = answer.diagnostics ?? [];
  marks = new Map();
  for (const d of diagnostics) marks.set(d.line, [...(marks.get(d.line) ?? []), d]);
  drawGutter();
  markGraph(diagnostics);
  list.replaceChildren(
    ...diagnostics.map((d) => {
      const li = element("li", `${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`, d.severity);
      li.dataset.line = String(d.line);
      li.addEventListener("click", () => selectLine(d.line));
      return li;
    }),
  );
  filesPane.replaceChildren(
    ...(answer.files ?? []).map((f) => {
      const details = element("details");
      details.open = true;
      details.append(element("summary", f.path), element("pre", f.content));
      return details;
    }),
  );
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  status.textContent = answer.error
    ? answer.error.message
    : errors
    ? `${errors} error${errors === 1 ? "" : "s"}`
    : `${answer.files?.length ?? 0} file(s) for ${answer.target}`;
}

let sequence = 0;
async function translate(): Promise<void> {
  const mine = ++sequence;
  status.textContent = "…";
  drawGraph(source.value);
  try {
    const response = await fetch("/v1/translate", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ source: source.value, filename: "pipeline.yaml", target: target.value || undefined }),
    });
    const answer = await response.json() as TranslateResponse;
    if (mine === sequence) show(answer); // a later edit's answer wins
  } catch (err) {
    if (mine === sequence) status.textContent = `the service did not answer: ${(err as Error).message}`;
  }
}

let timer: ReturnType<typeof setTimeout> | undefined;
function later(): void {
  drawGutter();
  clearTimeout(timer);
  timer = setTimeout(translate, 250);
}

async function start(): Promise<void> {
  const { targets } = await (await fetch("/v1/targets")).json() as { targets: { name: string; description: string }[] };
  target.replaceChildren(...targets.map((t) => {
    const option = element("option", t.name);
    option.value = t.name;
    option.title = t.description;
    return option;
  }));
  target.value = "docker-compose";
  source.value = EXAMPLE;
  source.addEventListener("input", later);
  source.addEventListener("scroll", () => (gutter.scrollTop = source.scrollTop));
  target.addEventListener("change", translate);
  drawGutter();
  await translate();
}

void start();
