/**
 * Builds the npm package `@flowctl/flowctl` into a folder, ready for
 * `npm pack` or `npm publish`:
 *   index.js      the library (mod.ts) plus `loadCue` for Node, one ES module
 *   browser.js    the same for browsers (the "browser" export condition)
 *   cli.js        the `flowctl` command
 *   control-plane.js   the control plane in one file, for Deno: what
 *                 `flowctl controlplane image build` puts in the image
 *   wasm_exec.js, cue.wasm.gz   CUE (host/node_cue.ts finds them beside index.js)
 *   types/…       declarations emitted by TypeScript from the sources
 *   pipeline.schema.json   the editors' JSON Schema
 * It has no dependencies: yaml and diff are bundled.
 *
 *   deno run -A scripts/npm_package.ts DIR
 */
import * as esbuild from "esbuild";
import ts from "typescript";
import { fileURLToPath } from "node:url";
import { VERSION } from "../version.ts";
import { bundle, controlPlaneBundle, cueAssets } from "./bundle.ts";

const ROOT = new URL("../", import.meta.url);

/** Declaration files for mod.ts and what it exports, by path under types/. */
export function declarations(): Map<string, string> {
  const typesOf = (specifier: string) => fileURLToPath(import.meta.resolve(specifier)).replace(/\.js$/, ".d.ts");
  const options: ts.CompilerOptions = {
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    strict: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    // No Deno types, no Node types: the core must compile without either. String.isWellFormed
    // (ES2024, in Node 20 and every current browser) checks that text can be written as UTF-8.
    lib: ["lib.es2022.d.ts", "lib.es2024.string.d.ts", "lib.dom.d.ts"],
    types: [],
    rootDir: fileURLToPath(ROOT),
    paths: { yaml: [typesOf("yaml")], diff: [typesOf("diff")] },
  };
  const program = ts.createProgram([fileURLToPath(new URL("mod.ts", ROOT))], options);
  const problems = ts.getPreEmitDiagnostics(program);
  if (problems.length) {
    const text = ts.formatDiagnostics(problems, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => fileURLToPath(ROOT),
      getNewLine: () => "\n",
    });
    throw new Error(`TypeScript found problems:\n${text}`);
  }
  const out = new Map<string, string>();
  program.emit(undefined, (fileName, text) => {
    const relative = fileName.slice(fileURLToPath(ROOT).length);
    // Consumers resolve ./x.js to x.d.ts; the sources import ./x.ts.
    out.set(relative, text.replace(/(from |import\()"(\.{1,2}\/[^"]+)\.ts"/g, '$1"$2.js"'));
  });
  return out;
}

/** Every file of the package, by relative path. */
export async function npmPackage(): Promise<Map<string, Uint8Array>> {
  const text = new TextEncoder();
  const files = new Map<string, Uint8Array>();
  const manifest = {
    name: "@flowctl/flowctl",
    version: VERSION,
    description: "Compiles flowctl pipeline files into docker-compose, Kubernetes, Nomad and local run scripts",
    type: "module",
    bin: { flowctl: "./cli.js" },
    exports: {
      ".": {
        browser: { types: "./browser.d.ts", default: "./browser.js" },
        types: "./index.d.ts",
        default: "./index.js",
      },
    },
    types: "./index.d.ts",
    engines: { node: ">=20" },
  };
  files.set("package.json", text.encode(JSON.stringify(manifest, null, 2) + "\n"));
  files.set("index.js", text.encode(await bundle("host/node.ts", "node", false)));
  files.set("browser.js", text.encode(await bundle("host/browser.ts", "browser")));
  files.set("cli.js", text.encode(await bundle("host/node_cli.ts", "node")));
  // Beside cli.js, where the CLI looks for it (host/node_io.ts).
  files.set("control-plane.js", await controlPlaneBundle());
  for (const [name, bytes] of await cueAssets()) files.set(name, bytes);
  // For editors: # yaml-language-server: $schema=./node_modules/@flowctl/flowctl/pipeline.schema.json
  files.set("pipeline.schema.json", await Deno.readFile(new URL("schemas/pipeline.schema.json", ROOT)));
  for (const [path, content] of declarations()) files.set(`types/${path}`, text.encode(content));
  // host/node.ts and host/browser.ts are mod.ts plus loadCue; their declarations, written out
  // (the hosts' own sources need Node's or the DOM's types, which the core is checked without).
  const entry = (signature: string, doc: string) =>
    text.encode(
      'export * from "./types/mod.js";\n' +
        'import type { CueEngine } from "./types/compiler/cue.js";\n' +
        `/** ${doc} */\nexport declare function loadCue(${signature}): Promise<CueEngine>;\n`,
    );
  files.set("index.d.ts", entry("", "A ready CUE evaluator (one per process; later calls share it)."));
  files.set(
    "browser.d.ts",
    entry("base?: string | URL", "A ready CUE evaluator; wasm_exec.js and cue.wasm.gz are fetched from `base` (default: beside browser.js)."),
  );
  files.set(
    "README.md",
    text.encode(
      "# @flowctl/flowctl\n\nThe flowctl pipeline compiler for Node: `npx flowctl --help`, or\n\n" +
        "```js\nimport { compile, loadCue } from \"@flowctl/flowctl\";\n" +
        'const result = compile(text, { filename: "pipeline.yaml", cue: await loadCue(), target: "kubernetes" });\n```\n\n' +
        "The control plane (`flowctl controlplane`, `flowctl run`) needs the Deno build; " +
        "`npx flowctl controlplane image build` builds its image with docker.\n",
    ),
  );
  return files;
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) {
    // deno-lint-ignore no-console
    console.error("usage: deno run -A scripts/npm_package.ts DIR");
    Deno.exit(2);
  }
  try {
    for (const [path, bytes] of await npmPackage()) {
      const file = `${dir}/${path}`;
      await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
      await Deno.writeFile(file, bytes, { mode: path === "cli.js" ? 0o755 : 0o644 });
    }
  } finally {
    await esbuild.stop();
  }
}
