/**
 * The compiler core in a browser: host/browser.ts bundled by esbuild for the
 * browser, CUE's wasm fetched beside it, run in headless Chromium. Every
 * fixture × target compiles there to exactly the files and diagnostics Deno
 * produces.
 */
import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { compile } from "../../translate/compile.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { bundle, cueAssets } from "../../scripts/bundle.ts";
import { cue, fixtureFiles, ROOT } from "../support/helpers.ts";

Deno.test("browser: the library compiles every fixture for every target in Chromium, as on Deno", async () => {
  const script = await bundle("host/browser.ts", "browser");
  await esbuild.stop();
  const assets = new Map<string, { body: Uint8Array | string; type: string }>([
    ["/", { body: '<!doctype html><meta charset="utf-8"><title>core</title>', type: "text/html" }],
    ["/flowctl.js", { body: script, type: "text/javascript" }],
    ...(await cueAssets()).map(([name, body]) =>
      [`/${name}`, { body, type: name.endsWith(".js") ? "text/javascript" : "application/gzip" }] as const
    ),
  ]);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const asset = assets.get(new URL(request.url).pathname);
    return asset
      ? new Response(asset.body as BodyInit, { headers: { "content-type": asset.type } })
      : new Response("not found", { status: 404 });
  });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);

    const fixtures: Record<string, string> = {};
    for (const name of await fixtureFiles("fixtures")) fixtures[name] = await Deno.readTextFile(new URL(`fixtures/${name}`, ROOT));
    const targets = defaultRegistry().names();
    // The function runs in the page (typed by hand: the tests are checked without the DOM library).
    const fromBrowser = await page.evaluate(async ({ fixtures, targets }) => {
      type Lib = {
        loadCue(): Promise<unknown>;
        compile(text: string, options: Record<string, unknown>): { files: unknown[]; diagnostics: unknown[] };
      };
      const lib = await import("/flowctl.js" as string) as Lib;
      const cue = await lib.loadCue();
      const out: Record<string, unknown> = {};
      for (const [name, text] of Object.entries(fixtures)) {
        for (const target of targets) {
          const r = lib.compile(text, { filename: `fixtures/${name}`, cue, target });
          out[`${name} ${target}`] = { files: r.files, diagnostics: r.diagnostics };
        }
      }
      return out;
    }, { fixtures, targets });

    let files = 0;
    for (const [name, text] of Object.entries(fixtures)) {
      for (const target of targets) {
        const r = compile(text, { filename: `fixtures/${name}`, cue: await cue(), target });
        assert.deepEqual(fromBrowser[`${name} ${target}`], JSON.parse(JSON.stringify({ files: r.files, diagnostics: r.diagnostics })), `${name} → ${target}`);
        files += r.files.length;
      }
    }
    assert.ok(files > 100, `only ${files} files compared`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.shutdown();
  }
});
