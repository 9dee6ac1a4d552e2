/**
 * The layout is the architecture, and this test holds it: it reads every
 * import of every module (static, `export … from`, and `import("…")` of a
 * literal path) and checks that each one points to a layer the importing
 * folder may use, that no target imports another target, and that no two
 * modules import each other in a circle. `deno info --json mod.ts` shows the
 * same graph for the library.
 */
import assert from "node:assert/strict";
import { ROOT } from "../support/helpers.ts";

/** Which folders each folder may import (itself included). Entry files at the top may import anything below. */
const MAY_USE: Record<string, string[]> = {
  "schemas": ["schemas"],
  "version.ts": [],
  "compiler": ["compiler", "schemas"],
  "generators": ["generators", "compiler", "schemas", "version.ts"],
  "translate": ["translate", "generators", "compiler", "schemas"],
  "controlplane": ["controlplane"],
  "service": ["service", "translate", "generators", "compiler", "schemas"],
  "playground": ["playground", "compiler"],
  "cli": ["cli", "translate", "generators", "compiler", "schemas", "controlplane", "version.ts"],
  "host": ["host", "cli", "translate", "generators", "compiler", "schemas", "controlplane", "version.ts"],
};
/** Entry points: the library (mod.ts, and its npm and browser builds, which re-export it), the CLI, the service. */
const ENTRY_FILES = ["mod.ts", "cli.ts", "server.ts", "host/node.ts", "host/browser.ts"];

/** The folder (or top-level file) a module belongs to. */
function unit(path: string): string {
  return path.includes("/") ? path.slice(0, path.indexOf("/")) : path;
}

/** Within generators/: a target's folder, or "" for what all targets share. */
function target(path: string): string {
  const m = /^generators\/([^/]+)\//.exec(path);
  return m && m[1] !== "shared" ? m[1] : "";
}

async function modules(dir = "", out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(new URL(dir || ".", ROOT))) {
    const path = dir + e.name;
    if (e.isDirectory && !["node_modules", "dist", "golden", "fixtures", "tests", "scripts", ".git", "out"].includes(e.name)) {
      await modules(`${path}/`, out);
    } else if (e.isFile && /\.ts$/.test(e.name)) out.push(path);
  }
  return out.sort();
}

/** Relative imports of a module, resolved to repository paths. */
async function importsOf(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(path, ROOT));
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gms),
    ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1]).filter((s) => s.startsWith("."));
  return specifiers.map((s) => new URL(s, new URL(path, ROOT)).href.slice(ROOT.href.length));
}

const graph = new Map<string, string[]>();
for (const path of await modules()) graph.set(path, await importsOf(path));

Deno.test("layers: every import points to a layer the importing folder may use", () => {
  const wrong: string[] = [];
  for (const [from, imports] of graph) {
    for (const to of imports) {
      if (ENTRY_FILES.includes(from)) continue;
      const allowed = MAY_USE[unit(from)];
      assert.ok(allowed, `${from} is in no layer: add its folder to MAY_USE`);
      if (!allowed.includes(unit(to))) wrong.push(`${from} → ${to}`);
    }
  }
  assert.deepEqual(wrong, [], "imports that run back up a layer");
});

Deno.test("layers: a target imports no other target, and what targets share imports none", () => {
  const wrong: string[] = [];
  for (const [from, imports] of graph) {
    if (unit(from) !== "generators") continue;
    for (const to of imports) {
      if (target(to) && target(to) !== target(from)) wrong.push(`${from} → ${to}`);
    }
  }
  // generators/mod.ts lists the built-in targets: the one place that names them all.
  assert.deepEqual(wrong.filter((w) => !w.startsWith("generators/mod.ts ")), []);
});

Deno.test("layers: no modules import each other in a circle", () => {
  const state = new Map<string, "open" | "done">();
  const circles: string[] = [];
  const visit = (path: string, trail: string[]) => {
    if (state.get(path) === "done") return;
    if (state.get(path) === "open") {
      circles.push([...trail.slice(trail.indexOf(path)), path].join(" → "));
      return;
    }
    state.set(path, "open");
    for (const next of graph.get(path) ?? []) visit(next, [...trail, path]);
    state.set(path, "done");
  };
  for (const path of graph.keys()) visit(path, []);
  assert.deepEqual(circles, []);
});

Deno.test("layers: the check sees an import that runs back up (it can fail)", async () => {
  assert.ok(graph.size > 60, "every module was read");
  assert.ok((await importsOf("translate/compile.ts")).includes("compiler/parse.ts"));
  assert.ok((await importsOf("cli/controlplane.ts")).includes("controlplane/server.ts"), "import() of a literal path counts");
  assert.ok(!MAY_USE["compiler"].includes(unit("generators/mod.ts")), "compiler/ → generators/ would be reported");
});
