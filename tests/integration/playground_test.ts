/**
 * The playground end to end: `deno run -A server.ts` as a user starts it, and
 * Debian's chromium (headless, driven by playwright-core) as the user's
 * browser. Enter a pipeline, see the compose output; switch target; break the
 * pipeline, see the error marked at its line.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { ROOT, until } from "../support/helpers.ts";

const CHROMIUM = "/usr/bin/chromium";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("playground: compose output for a pipeline, then an error marked at its line, in headless Chromium", async () => {
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

    // The example translates on load.
    // Waits poll from here: the page's Content-Security-Policy forbids evaluating text in it.
    const shows = (selector: string, want: (text: string) => boolean) =>
      until(`${selector} to show the expected text`, async () => want(await page.textContent(selector) ?? ""), 30);
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
    assert.deepEqual(pageErrors, []);
    assert.deepEqual([...Deno.readDirSync(cacheDir)], [], "the service wrote a cache");
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await server.stderr.cancel();
    await server.status;
    await Deno.remove(cacheDir, { recursive: true });
  }
});
