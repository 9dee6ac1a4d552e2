/**
 * The playground end to end: `deno run -A server.ts` as a user starts it, and
 * Debian's chromium (headless, driven by playwright-core) as the user's
 * browser. Enter a pipeline, see the compose output; switch target; break the
 * pipeline, see the error marked at its line. The pipeline's graph is drawn as
 * it is typed, with the node of an error marked.
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { ROOT, until } from "../support/helpers.ts";

const CHROMIUM = "/usr/bin/chromium";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The service as a user starts it and a headless Chromium page on it; `check` drives the page. */
async function withPlayground(check: (page: Page, shows: Shows, pageErrors: string[]) => Promise<void>): Promise<void> {
  const port = freePort();
  const cacheDir = await Deno.makeTempDir({ prefix: "flowctl-service-cache-" });
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "server.ts"],
    cwd: new URL(".", ROOT).pathname,
    // The CLI would cache CUE's unzipped module here; the service must write no files (Deploy has none).
    env: { PORT: String(port), NO_COLOR: "1", FLOWCTL_CACHE_DIR: `${cacheDir}/flowctl` },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    await until("the service to listen", () => fetch(`${base}/v1/targets`).then(async (r) => (await r.body?.cancel(), r.ok), () => false), 30);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    // Chromium logs every non-2xx fetch; the 422 of a broken pipeline is the expected answer.
    page.on("console", (m) => m.type() === "error" && !m.text().includes("status of 422") && pageErrors.push(m.text()));
    await page.goto(base);
    // Waits poll from here: the page's Content-Security-Policy forbids evaluating text in it.
    const shows: Shows = (selector, want) =>
      until(`${selector} to show the expected text`, async () => want(await page.textContent(selector) ?? ""), 30);
    await check(page, shows, pageErrors);
    assert.deepEqual(pageErrors, []);
    assert.deepEqual([...Deno.readDirSync(cacheDir)], [], "the service wrote a cache");
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await server.stderr.cancel();
    await server.status;
    await Deno.remove(cacheDir, { recursive: true });
  }
}

type Shows = (selector: string, want: (text: string) => boolean) => Promise<void>;

Deno.test("playground: compose output for a pipeline, then an error marked at its line, in headless Chromium", async () => {
  await withPlayground(async (page, shows) => {
    // The example translates on load.
    await shows("#status", (t) => t.includes("for docker-compose"));

    const fanOut = await Deno.readTextFile(new URL("fixtures/fan_out.yaml", ROOT));
    await page.fill("#source", fanOut);
    const compose = await Deno.readTextFile(new URL("golden/fan_out/docker-compose/docker-compose.yaml", ROOT));
    await shows("#files pre", (t) => t === compose);
    assert.equal(await page.textContent("#files summary"), "docker-compose.yaml");

    await page.selectOption("#target", "nomad");
    const nomad = await Deno.readTextFile(new URL("golden/fan_out/nomad/ledger-fanout.nomad.hcl", ROOT));
    await shows("#files pre", (t) => t === nomad);

    // Line 35 names a component that does not exist.
    await page.fill("#source", fanOut.replace(/(inputs: \[token-transfers\][^]*?)inputs: \[token-transfers\]/, "$1inputs: [token-transfer]"));
    await page.waitForSelector('#gutter div[data-line="35"].error');
    const item = await page.textContent("#diagnostics li.error");
    assert.match(item ?? "", /^35:16 error E_UNKNOWN_INPUT: sink "duckdb" names "token-transfer"/);
    assert.equal(await page.locator("#files details").count(), 0, "no files when there are errors");
    assert.equal(await page.locator("#gutter div.error").count(), 1);

    // Clicking the diagnostic selects its line in the editor.
    await page.click("#diagnostics li.error");
    // (typed by hand: the tests may be checked with or without the DOM library)
    const selected = await page.$eval("#source", (element: unknown) => {
      const area = element as { value: string; selectionStart: number; selectionEnd: number };
      return area.value.slice(area.selectionStart, area.selectionEnd);
    });
    assert.equal(selected, "      inputs: [token-transfer]");
  });
});

/** What a picture draws, as the page shows it and as a golden SVG holds it: nodes (id, kind) and edges (ends, path). */
interface Drawn {
  nodes: string[];
  edges: string[];
}

function drawnIn(svg: string): Drawn {
  return {
    nodes: [...svg.matchAll(/<g class="node ([a-z-]+)" data-id="([^"]*)">/g)].map((m) => `${m[2]} ${m[1]}`),
    edges: [...svg.matchAll(/<path class="edge" data-from="([^"]*)" data-to="([^"]*)" d="([^"]*)"/g)].map((m) => `${m[1]}→${m[2]} ${m[3]}`),
  };
}

Deno.test("playground: the graph of what is edited is drawn live, and the node of an error is marked, in headless Chromium", async () => {
  await withPlayground(async (page, shows) => {
    // (typed by hand: the tests may be checked with or without the DOM library)
    type Node = { getAttribute(name: string): string | null; classList: { contains(c: string): boolean } };
    const drawn = () =>
      page.$$eval("#graph figure", (figures: unknown[]) =>
        figures.map((figure) => {
          const all = (selector: string) => [...(figure as { querySelectorAll(s: string): Iterable<Node> }).querySelectorAll(selector)];
          return {
            nodes: all(".node").map((n) => `${n.getAttribute("data-id")} ${n.getAttribute("class")!.replace(/^node /, "")}`),
            edges: all(".edge").map((e) => `${e.getAttribute("data-from")}→${e.getAttribute("data-to")} ${e.getAttribute("d")}`),
          };
        }));
    const marked = () => page.$$eval("#graph .node.has-error", (nodes: unknown[]) => nodes.map((n) => (n as Node).getAttribute("data-id")));
    await shows("#status", (t) => t.includes("for docker-compose"));
    // The example on load: three components in a row.
    await shows("#graph figcaption", (t) => t === "pipeline hello");
    assert.deepEqual((await drawn())[0].nodes, ["ledger source", "transfers processor", "postgres sink"]);

    // The picture of the README's fan-out is flowctl graph's (the golden SVG), drawn as it is typed.
    const fanOut = await Deno.readTextFile(new URL("fixtures/fan_out.yaml", ROOT));
    const golden = drawnIn(await Deno.readTextFile(new URL("golden/fan_out/graph/ledger-fanout.svg", ROOT)));
    await page.fill("#source", fanOut);
    await until("the fan-out's graph", async () => JSON.stringify(await drawn()) === JSON.stringify([golden]), 30);
    assert.deepEqual(await marked(), []);

    // Line 35 names a component that does not exist: duckdb's node is marked, and its edge is gone.
    await page.fill("#source", fanOut.replace(/(inputs: \[token-transfers\][^]*?)inputs: \[token-transfers\]/, "$1inputs: [token-transfer]"));
    await page.waitForSelector('#graph .node.has-error[data-id="duckdb"]');
    assert.deepEqual(await marked(), ["duckdb"]);
    const [broken] = await drawn();
    assert.deepEqual(broken.nodes.map((n) => n.replace(/ has-error$/, "")), golden.nodes);
    assert.deepEqual(broken.edges.map((e) => e.split(" ")[0]), ["ledger-source→token-transfers", "token-transfers→postgres"]);

    // Fixed again: nothing is marked.
    await page.fill("#source", fanOut);
    await until("the marks to go", async () => (await marked()).length === 0, 30);
    await shows("#status", (t) => t.includes("for docker-compose"));

    // Clicking a node selects where the component is written.
    await page.click('#graph .node[data-id="duckdb"]');
    const selected = await page.$eval("#source", (element: unknown) => {
      const area = element as { value: string; selectionStart: number; selectionEnd: number };
      return area.value.slice(area.selectionStart, area.selectionEnd);
    });
    assert.equal(selected, "    - id: duckdb");

    // Two pipelines in the text: two pictures.
    await page.fill("#source", await Deno.readTextFile(new URL("fixtures/multi_document.yaml", ROOT)));
    await until("two pictures", async () => (await drawn()).length === 2, 30);
    assert.deepEqual(await page.$$eval("#graph figcaption", (c: unknown[]) => c.map((e) => (e as { textContent: string }).textContent)), [
      "pipeline first",
      "pipeline second",
    ]);
  });
});
