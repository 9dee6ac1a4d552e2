/**
 * The control plane's page in headless Chromium: a control plane told a DAG
 * of three components, all three registered and heartbeating over gRPC; one
 * goes silent, and within the TTL the page shows it unhealthy and its edges
 * broken, read from the DOM and from the pixels of a screenshot the test
 * saves (out/controlplane-page.png). The page breaks no CSP rule and works
 * with no components at all.
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import type { Topology } from "../../graph/topology.ts";
import { client, withControlPlane } from "../support/controlplane_client.ts";
import { ROOT } from "../support/helpers.ts";

const TOPOLOGY: Topology = {
  pipeline: "page-test",
  components: [
    { id: "numbers", kind: "source", label: "example/numbers:1", inputs: [] },
    { id: "times-ten", kind: "processor", label: "example/times-ten:1", inputs: ["numbers"] },
    { id: "archive", kind: "sink", label: "example/archive:1", inputs: ["times-ten"] },
  ],
};

/** The colour at the centre of each node's shape, read from a screenshot decoded in the page. */
async function colours(page: Page, png: Uint8Array): Promise<Record<string, [number, number, number]>> {
  return await page.evaluate(async (base64: string) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d")!;
    context.drawImage(bitmap, 0, 0);
    const out: Record<string, [number, number, number]> = {};
    for (const node of document.querySelectorAll("#graph g.node[data-id]")) {
      const box = node.querySelector(".shape")!.getBoundingClientRect();
      // A point inside the shape but off the text: near the left end, half-way down.
      const x = Math.round(box.left + box.width * 0.12 + globalThis.scrollX);
      const y = Math.round(box.top + box.height * 0.5 + globalThis.scrollY);
      const [r, g, b] = context.getImageData(x, y, 1, 1).data;
      out[(node as HTMLElement).dataset.id!] = [r, g, b];
    }
    return out;
  }, btoa(String.fromCharCode(...png)));
}

const green = ([r, g, b]: number[]) => g > 120 && g > r + 40 && g > b + 20;
const red = ([r, g, b]: number[]) => r > 150 && r > g + 60 && r > b + 60;

Deno.test("control-plane page: the DAG coloured by live health, a silent component turning red within the TTL", () =>
  withControlPlane(async (cp) => {
    const c = client("v1", cp.grpcPort);
    for (const n of TOPOLOGY.components) {
      await c.call("RegisterComponent", { component: { id: n.id, type: `COMPONENT_TYPE_${n.kind === "sink" ? "CONSUMER" : n.kind.toUpperCase()}` } });
    }
    const beats = new Map(TOPOLOGY.components.map((n) =>
      [n.id, setInterval(() => c.call("Heartbeat", { service_id: n.id, metrics: { processed: "42" } }).catch(() => {}), 300)] as const
    ));
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(String(e)));
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("requestfailed", (r) => problems.push(`${r.url()} failed`));
      await page.goto(`http://127.0.0.1:${cp.httpPort}/?refresh=300`);
      const state = (id: string) => page.locator(`#graph g.node[data-id="${id}"]`).getAttribute("data-state");
      await page.waitForFunction(() => document.querySelectorAll('#graph g.node[data-state="healthy"]').length === 3);
      assert.equal(await page.locator("#health").textContent(), "pipeline healthy");
      assert.equal(await page.locator("#graph path.edge").count(), 2);
      assert.equal(await page.locator("#graph path.edge.edge-broken").count(), 0);
      assert.match(await page.locator('#components tr[data-id="times-ten"]').textContent() ?? "", /processed=42/);
      const before = await colours(page, await page.screenshot({ fullPage: true }));
      for (const n of TOPOLOGY.components) assert(green(before[n.id]), `${n.id} is green: ${before[n.id]}`);

      clearInterval(beats.get("times-ten"));
      const silent = Date.now();
      await page.waitForFunction(() => document.querySelector('#graph g.node[data-id="times-ten"]')?.getAttribute("data-state") === "unhealthy", undefined, {
        timeout: 10_000,
      });
      const seconds = (Date.now() - silent) / 1000;
      assert(seconds < 2 + 1, `shown unhealthy ${seconds} s after its last heartbeat, within the 2 s TTL and a refresh`);
      assert.deepEqual([await state("numbers"), await state("archive")], ["healthy", "healthy"]);
      assert.equal(await page.locator("#graph path.edge.edge-broken").count(), 2, "both of its edges are broken");
      assert.equal(await page.locator("#health").textContent(), "pipeline degraded");
      const png = await page.screenshot({ fullPage: true });
      await Deno.mkdir(new URL("out/", ROOT), { recursive: true });
      await Deno.writeFile(new URL("out/controlplane-page.png", ROOT), png);
      const after = await colours(page, png);
      assert(red(after["times-ten"]), `times-ten is red in the screenshot: ${after["times-ten"]}`);
      assert(green(after.numbers) && green(after.archive), `the others stay green: ${after.numbers} ${after.archive}`);
      assert.deepEqual(problems, [], "no script error, CSP violation or failed request");
    } finally {
      for (const t of beats.values()) clearInterval(t);
      await browser.close();
      c.close();
    }
  }, { ttlMs: 2000, sweepMs: 200, topology: TOPOLOGY }));

Deno.test("control-plane page: with no components and no graph it still loads, says so, and sends its CSP", () =>
  withControlPlane(async (cp) => {
    const response = await fetch(`http://127.0.0.1:${cp.httpPort}/`);
    await response.body?.cancel();
    assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'none'; script-src 'self'/);
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(String(e)));
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      await page.goto(`http://127.0.0.1:${cp.httpPort}/?refresh=300`);
      await page.waitForFunction(() => document.querySelector("#components tbody")?.textContent?.includes("no components registered yet"));
      assert.equal(await page.locator("#graph g.node[data-id]:not(.control-plane)").count(), 0);
      // One registers: the page fetches the graph again and draws it.
      const c = client("v1", cp.grpcPort);
      await c.call("RegisterComponent", { component: { id: "late", type: "COMPONENT_TYPE_SOURCE" } });
      c.close();
      await page.waitForFunction(() => document.querySelector('#graph g.node[data-id="late"]')?.getAttribute("data-state") === "healthy");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  }));
