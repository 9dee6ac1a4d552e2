/** The Action's job summary drawn from pure functions (host/github.ts): a Mermaid block per pipeline that no name can break out of. */
import assert from "node:assert/strict";
import { renderMermaid } from "../../graph/mermaid.ts";
import type { Topology } from "../../graph/topology.ts";
import { summaryDiagrams } from "../../host/github.ts";

const LEDGER: Topology = {
  pipeline: "ledger-fanout",
  components: [
    { id: "ledger-source", kind: "source", label: "docker.io/withobsrvr/stellar-live-source:v1.0.0", inputs: [] },
    { id: "postgres", kind: "sink", label: "docker.io/withobsrvr/postgres-sink:v1.0.0", inputs: ["ledger-source"] },
  ],
};

Deno.test("summaryDiagrams() gives each pipeline a heading and a mermaid block of its graph", () => {
  const text = summaryDiagrams([{ file: "pipelines/ledger.yaml", topology: LEDGER }, { file: "pipelines/ledger.yaml", topology: { ...LEDGER, pipeline: "second" } }]);
  assert.equal(
    text,
    "#### Pipelines\n\n" +
      "**`pipelines/ledger.yaml`**: pipeline `ledger-fanout`\n\n```mermaid\n" + renderMermaid(LEDGER) + "```\n\n" +
      "**`pipelines/ledger.yaml`**: pipeline `second`\n\n```mermaid\n" + renderMermaid({ ...LEDGER, pipeline: "second" }) + "```\n\n",
  );
  assert.equal(summaryDiagrams([]), "");
});

Deno.test("summaryDiagrams() keeps backticks and markup in names inside their code spans and blocks", () => {
  const hostile: Topology = {
    pipeline: "x\n```\n# injected",
    components: [{ id: "```js", kind: "source", label: "`a`\n```", inputs: [] }],
  };
  const text = summaryDiagrams([{ file: "p/``weird``.yaml", topology: hostile }]);
  // One block, opened and closed once: no line of the pipeline's text starts a fence.
  assert.deepEqual(text.split("\n").filter((l) => l.startsWith("```")), ["```mermaid", "```"]);
  assert.equal(text.split("\n")[2], "**```p/``weird``.yaml```**: pipeline ````x ``` # injected````");
  assert.doesNotMatch(text, /^# injected/m);
});
