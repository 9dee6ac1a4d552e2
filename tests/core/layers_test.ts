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
  "cue": ["cue"],
  "compiler": ["compiler", "schemas"],
  "generators": ["generators", "graph", "compiler", "schemas", "version.ts"],
  "translate": ["translate", "generators", "graph", "compiler", "schemas"],
  "tls": ["tls"],
  "graph": ["graph"],
  "controlplane": ["controlplane", "tls", "graph"],
  "service": ["service", "translate", "generators", "compiler", "schemas"],
  "deploy": ["deploy", "generators", "compiler", "schemas"],
  "playground": ["playground", "graph", "compiler"],
  "cli": ["cli", "deploy", "translate", "generators", "graph", "compiler", "schemas", "controlplane", "tls", "version.ts"],
  "host": ["host", "cue", "tls", "graph", "cli", "deploy", "service", "translate", "generators", "compiler", "schemas", "controlplane", "version.ts"],
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
    // Hidden folders (.git, .cache, .ci) hold no modules of the layers.
    if (e.isDirectory && !e.name.startsWith(".") && !["node_modules", "dist", "golden", "fixtures", "tests", "scripts", "out"].includes(e.name)) {
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

/** Imports that run back up a layer, or that reach a folder in no layer. */
function upwardImports(modules: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, imports] of modules) {
    if (ENTRY_FILES.includes(from)) continue;
    const allowed = MAY_USE[unit(from)];
    if (!allowed) wrong.push(`${from} is in no layer: add its folder to MAY_USE`);
    else for (const to of imports) if (!allowed.includes(unit(to))) wrong.push(`${from} → ${to}`);
  }
  return wrong;
}

/** Imports from one target into another; generators/mod.ts, which lists the built-in targets, may name them all. */
function crossTargetImports(modules: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, imports] of modules) {
    if (unit(from) !== "generators" || from === "generators/mod.ts") continue;
    for (const to of imports) if (target(to) && target(to) !== target(from)) wrong.push(`${from} → ${to}`);
  }
  return wrong;
}

/** Each circle of imports, as the modules around it. */
function circles(modules: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const found: string[] = [];
  const visit = (path: string, trail: string[]) => {
    if (state.get(path) === "done") return;
    if (state.get(path) === "open") {
      found.push([...trail.slice(trail.indexOf(path)), path].join(" → "));
      return;
    }
    state.set(path, "open");
    for (const next of modules.get(path) ?? []) visit(next, [...trail, path]);
    state.set(path, "done");
  };
  for (const path of modules.keys()) visit(path, []);
  return found;
}

Deno.test("layers: every import points to a layer the importing folder may use", () => {
  assert.deepEqual(upwardImports(graph), [], "imports that run back up a layer");
});

Deno.test("layers: a target imports no other target, and what targets share imports none", () => {
  assert.deepEqual(crossTargetImports(graph), []);
});

Deno.test("layers: no modules import each other in a circle", () => {
  assert.deepEqual(circles(graph), []);
});

Deno.test("layers: the checks find what they look for (they can fail)", async () => {
  assert.ok(graph.size > 60, "every module was read");
  assert.ok((await importsOf("translate/compile.ts")).includes("compiler/parse.ts"));
  assert.ok((await importsOf("cli/controlplane.ts")).includes("controlplane/server.ts"), "import() of a literal path counts");
  const bad = new Map([
    ["compiler/parse.ts", ["generators/mod.ts"]],
    ["generators/nomad/nomad.ts", ["generators/local/shell_words.ts", "generators/shared/compact.ts"]],
    ["tools/x.ts", []],
    ["cli/a.ts", ["cli/b.ts"]],
    ["cli/b.ts", ["cli/a.ts"]],
  ]);
  assert.deepEqual(upwardImports(bad), ["compiler/parse.ts → generators/mod.ts", "tools/x.ts is in no layer: add its folder to MAY_USE"]);
  assert.deepEqual(crossTargetImports(bad), ["generators/nomad/nomad.ts → generators/local/shell_words.ts"]);
  assert.deepEqual(circles(bad), ["cli/a.ts → cli/b.ts → cli/a.ts"]);
});
