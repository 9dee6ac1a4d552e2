/** `flowctl graph` as a user meets it: formats and how they are chosen, files, several pipelines, overlays, errors. */
import assert from "node:assert/strict";
import { topologyOf } from "../../generators/shared/topology.ts";
import { renderMermaid } from "../../graph/mermaid.ts";
import { validate } from "../../translate/compile.ts";
import { cue, ROOT } from "../support/helpers.ts";
import { runCli } from "../support/memory_io.ts";
import { svgProblems } from "../support/svg_check.ts";

const golden = (path: string) => Deno.readTextFile(new URL(`golden/${path}`, ROOT));

Deno.test("cli: graph prints the Mermaid flowchart on stdout by default", async () => {
  const r = await runCli(["graph", "-f", "fixtures/fan_out.yaml"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await golden("fan_out/graph/ledger-fanout.mmd"));
  assert.equal(r.stderr, "");
  assert.equal(r.written.size, 0);
});

Deno.test("cli: graph takes its format from --format, else from -o's file name", async () => {
  const cases: [string[], string, string][] = [
    [["-o", "out/p.svg"], "p.svg", "fan_out/graph/ledger-fanout.svg"],
    [["-o", "out/p.dot"], "p.dot", "fan_out/graph/ledger-fanout.dot"],
    [["-o", "out/p.gv"], "p.gv", "fan_out/graph/ledger-fanout.dot"],
    [["-o", "out/p.mmd"], "p.mmd", "fan_out/graph/ledger-fanout.mmd"],
    [["-o", "out/p.mermaid"], "p.mermaid", "fan_out/graph/ledger-fanout.mmd"],
    [["--format", "svg", "-o", "out/p.txt"], "p.txt", "fan_out/graph/ledger-fanout.svg"],
    [["--format=dot", "-o", "out/p.svg"], "p.svg", "fan_out/graph/ledger-fanout.dot"],
  ];
  for (const [flags, file, want] of cases) {
    const r = await runCli(["graph", "-f", "fixtures/fan_out.yaml", ...flags]);
    assert.equal(r.code, 0, `${flags.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.deepEqual(r.written.get("out")?.map((f) => f.path), [file], flags.join(" "));
    assert.equal(r.written.get("out")![0].content, await golden(want), flags.join(" "));
    assert.match(r.stderr, /^wrote out\/p\.\w+ \((mermaid|dot|svg), 1 pipeline\)\n$/);
  }
  const svg = await runCli(["graph", "-f", "fixtures/fan_out.yaml", "--format", "svg"]);
  assert.equal(svg.stdout, await golden("fan_out/graph/ledger-fanout.svg"));
});

Deno.test("cli: graph refuses a format it cannot tell or does not draw (exit 2)", async () => {
  for (const flags of [["-o", "p.png"], ["-o", "graph"], ["--format", "png"], ["-o", "a.svg", "--output-dir", "d"], ["--format", "svg", "-o", "out/"]]) {
    const r = await runCli(["graph", "-f", "fixtures/fan_out.yaml", ...flags]);
    assert.equal(r.code, 2, flags.join(" "));
    assert.match(r.stderr, /^flowctl: (cannot tell the format|--format must be|give -o FILE or --output-dir|-o names a file)/, flags.join(" "));
    assert.equal(r.written.size, 0);
  }
});

Deno.test("cli: graph of several pipelines: Mermaid and DOT one after another, SVG one file each with --output-dir", async () => {
  const mermaid = await runCli(["graph", "-f", "fixtures/multi_document.yaml"]);
  assert.equal(mermaid.code, 0, mermaid.stderr);
  assert.equal(mermaid.stdout, (await golden("multi_document/graph/first.mmd")) + "\n" + (await golden("multi_document/graph/second.mmd")));
  assert.deepEqual(mermaid.stdout.split("\n").filter((l) => l.startsWith("%% ")), ['%% pipeline "first"', '%% pipeline "second"']);
  const dot = await runCli(["graph", "-f", "fixtures/multi_document.yaml", "--format", "dot"]);
  assert.equal(dot.stdout.match(/^digraph /gm)?.length, 2);

  const svg = await runCli(["graph", "-f", "fixtures/multi_document.yaml", "-o", "out/p.svg"]);
  assert.equal(svg.code, 2);
  assert.match(svg.stderr, /holds 2 pipelines and an SVG picture shows one: use --output-dir DIR/);
  assert.equal(svg.written.size, 0);

  const dir = await runCli(["graph", "-f", "fixtures/multi_document.yaml", "--format", "svg", "--output-dir", "pictures"]);
  assert.equal(dir.code, 0, dir.stderr);
  const files = dir.written.get("pictures")!;
  assert.deepEqual(files.map((f) => f.path), ["first.svg", "second.svg"]);
  for (const f of files) assert.equal(f.content, await golden(`multi_document/graph/${f.path}`));
  assert.equal(dir.stderr, "wrote 2 files to pictures: first.svg, second.svg\n");
});

Deno.test("cli: graph draws the pipeline the overlays and --set make", async () => {
  const overlay = `spec:
  sinks:
    - id: archive
      image: ghcr.io/acme/archive:1
      inputs: [token-transfers]
`;
  const r = await runCli(
    ["graph", "-f", "fixtures/fan_out.yaml", "-f", "prod.yaml", "--set", "sinks.postgres.image=example/pg:2", "--format", "svg"],
    { "prod.yaml": overlay },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /<g class="node sink" data-id="archive">/);
  assert.match(r.stdout, /<path class="edge" data-from="token-transfers" data-to="archive"/);
  assert.match(r.stdout, />example\/pg:2<\/text>/);
  const text = (await Deno.readTextFile(new URL("fixtures/fan_out.yaml", ROOT))) + overlay.replace("spec:\n  sinks:\n", "");
  const { pipelines } = validate(text, { cue: await cue() });
  const topology = topologyOf(pipelines[0]);
  topology.components.find((c) => c.id === "postgres")!.label = "example/pg:2";
  assert.deepEqual(svgProblems(r.stdout, topology).problems, []);
});

Deno.test("cli: graph of an invalid pipeline prints its diagnostics and draws nothing (exit 1)", async () => {
  const r = await runCli(["graph", "-f", "fixtures/invalid/graph_errors.yaml", "-o", "out/p.svg"]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.written.size, 0);
  assert.match(r.stderr, /^fixtures\/invalid\/graph_errors\.yaml:26:16 error E_UNKNOWN_INPUT: /m);
});

Deno.test("cli: graph reads standard input, prints warnings on stderr, and has help", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/tricky_ids.yaml", ROOT));
  const r = await runCli(["graph", "-"], {}, text);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^<stdin>:9:11 warning W_NAME_SANITIZED/m);
  const { pipelines } = validate(text, { cue: await cue() });
  assert.equal(r.stdout, renderMermaid(topologyOf(pipelines[0])));
  const help = await runCli(["graph", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: flowctl graph -f FILE/);
  assert.match((await runCli(["--help"])).stdout, /\n {2}graph {7}draw the pipeline's graph/);
});
