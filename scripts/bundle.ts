/**
 * Builds dist/, the committed JavaScript bundles of flowctl:
 *   dist/cli.js      the `flowctl` command on Node (npm bin, pre-commit hook)
 *   dist/action.js   the GitHub Action (action.yml)
 *   dist/control-plane.js   the control-plane image's program, on Deno (controlplane/Dockerfile)
 *   dist/flowctl.js, dist/flowctl-main.js   the command line on Deno: a small loader
 *                    (host/flowctl_deno.ts) and the program in one file (host/deno_cli.ts)
 *   dist/wasm_exec.js, dist/cue.wasm.gz   flowctl's CUE validator, as cue/ holds it (for browsers;
 *                    the Node bundles carry the glue themselves)
 *   dist/package.json  `"type": "module"`
 * and the playground's browser script (playground/bundle.ts, embedded as text
 * so server.ts reads no files). `deno task bundle` rewrites them; CI fails
 * when one is stale. Output is minified: it then holds no file paths, so it is
 * the same on every machine.
 */
import * as esbuild from "esbuild";
import { fileURLToPath as fromFileUrl } from "node:url";
import { embeddedModule } from "./embed_text.ts";
import { sha256Hex } from "../host/sha256.ts";
import { VERSION } from "../version.ts";

const ROOT = new URL("../", import.meta.url);
const path = (relative: string) => fromFileUrl(new URL(relative, ROOT));

/**
 * The ES module entry of an npm package in Deno's cache: `exports["."]` (else
 * `module`) with the conditions module/import/default (never node/require: a CommonJS build would
 * need `require` at run time, and yaml's node build needs `process`).
 */
async function esmEntry(specifier: string): Promise<string> {
  const resolved = fromFileUrl(import.meta.resolve(specifier));
  // Deno's cache holds a package at …/<name>/<version>/.
  const at = resolved.indexOf(`/${specifier}/`) + specifier.length + 2;
  return await entryIn(resolved.slice(0, resolved.indexOf("/", at) + 1), specifier);
}

/** The ES module entry of the package in `root` (a folder of Deno's cache), or of one of its subpaths (`./bytes`). */
async function entryIn(root: string, specifier: string, subpath = "."): Promise<string> {
  const pkg = JSON.parse(await Deno.readTextFile(root + "package.json"));
  // Packages without `exports` name their ES build in the older `module` field.
  let entry = subpath === "." ? pkg.exports?.["."] ?? pkg.module ?? pkg.main : pkg.exports?.[subpath];
  // The "module" condition is the bundlers' own: a pure ES build (tslib's "import" wraps its CommonJS one).
  while (entry && typeof entry === "object") entry = entry.module ?? entry.import ?? entry.default;
  if (typeof entry !== "string") throw new Error(`${specifier}: no ES module entry in ${root}package.json`);
  return root + entry.replace(/^\.\//, "");
}

/**
 * A package's own dependency, found in Deno's cache by the version deno.lock
 * resolved it to for that package (the lock names a version where several
 * are in use, else the one there is).
 */
async function dependencyEntry(importer: string, imported: string): Promise<string | undefined> {
  const m = /^(.*\/registry\.npmjs\.org\/)((?:@[^/]+\/)?[^/]+)\/([^/]+)\//.exec(importer);
  const parts = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(imported);
  if (!m || !parts) return undefined;
  const [, cache, name, version] = m;
  const [, specifier, rest] = parts;
  const npm: Record<string, { dependencies?: string[] }> = (await lock()).npm;
  const listed = npm[`${name}@${version}`]?.dependencies?.find((d) => d === specifier || d.startsWith(`${specifier}@`));
  if (!listed) return undefined;
  const pinned = listed === specifier ? Object.keys(npm).find((key) => key.startsWith(`${specifier}@`)) : listed;
  return pinned && await entryIn(`${cache}${specifier}/${pinned.slice(specifier.length + 1)}/`, imported, rest ? `.${rest}` : ".");
}

let lockFile: Promise<{ npm: Record<string, { dependencies?: string[] }> }> | undefined;
function lock() {
  return lockFile ??= Deno.readTextFile(path("deno.lock")).then(JSON.parse);
}

/**
 * esbuild finds npm packages in node_modules; Deno keeps them in its own
 * cache, so bare imports are resolved with this script's import map. The Node
 * builds get a stand-in for the control plane (it needs Deno).
 */
function denoResolver(platform: "node" | "browser"): esbuild.Plugin {
  return {
    name: "deno-resolver",
    setup(build) {
      build.onResolve({ filter: /^[a-z@][^:]*$/ }, async (args) => {
        // Inside a package: its dependencies by the lock file, else (its own files) esbuild's own way.
        if (args.importer.includes("/deno/npm/")) {
          const entry = await dependencyEntry(args.importer, args.path);
          return entry ? { path: entry } : undefined;
        }
        return { path: await esmEntry(args.path) };
      });
      build.onResolve({ filter: /controlplane\/server\.ts$/ }, () => {
        if (platform === "browser") return { path: "controlplane", namespace: "unavailable" };
        return { path: path("host/no_controlplane.ts") };
      });
      build.onLoad({ filter: /.*/, namespace: "unavailable" }, () => ({ contents: "export {};" }));
    },
  };
}

/** One minified ES module bundle; returns its text. Node programs get a `#!/usr/bin/env node` line. */
export async function bundle(entry: string, platform: "node" | "browser", program = platform === "node"): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path(entry)],
    absWorkingDir: path("."),
    bundle: true,
    write: false,
    format: "esm",
    platform,
    target: platform === "node" ? "node20" : "es2022",
    minify: true,
    legalComments: "none",
    // cli.ts runs itself on Deno under `if (import.meta.main)`; in a bundle that branch is dead.
    define: { "import.meta.main": "false" },
    banner: program ? { js: "#!/usr/bin/env node" } : undefined,
    plugins: [denoResolver(platform)],
    logLevel: "error",
  });
  return result.outputFiles[0].text;
}

/**
 * The control plane and its npm packages (grpc-js, proto-loader, protobufjs)
 * in one ES module for Deno, from host/control_plane_image.ts. `deno bundle`
 * resolves the packages as Deno does, from deno.lock, and keeps Node's
 * built-in modules (node:sqlite, http2 …) as imports: Deno has them. What is
 * left runs with no npm: or remote import, so with nothing to download.
 */
export function controlPlaneBundle(): Promise<Uint8Array> {
  return denoBundle("host/control_plane_image.ts", "the control plane");
}

/** One ES module for Deno from an entry point, with a banner that says what it is. */
async function denoBundle(entry: string, what: string): Promise<Uint8Array> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--frozen", "--platform=deno", "--minify", entry],
    cwd: path("."),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno bundle ${entry} failed:\n${new TextDecoder().decode(stderr)}`);
  const banner = `// flowctl ${VERSION}: ${what} in one file, bundled from ${entry} by scripts/bundle.ts.\n`;
  return new Uint8Array([...new TextEncoder().encode(banner), ...stdout]);
}

/**
 * The command line for Deno: the program bundled into one file, and the
 * loader that replays stored runs, holding the program's hash. dist/ sits
 * beside cue/ as host/ does, so the program's relative path to cue/ holds.
 */
async function denoCommandLine(): Promise<[string, Uint8Array][]> {
  const program = await denoBundle("host/deno_cli.ts", "the command line for Deno");
  const hash = await sha256Hex(program);
  const loader = new TextDecoder().decode(await denoBundle("host/flowctl_deno.ts", "the loader of the command line for Deno"));
  if (!loader.includes("@@FLOWCTL_PROGRAM_SHA256@@")) throw new Error("host/flowctl_deno.ts lost its hash placeholder");
  return [
    ["dist/flowctl.js", new TextEncoder().encode(loader.replace("@@FLOWCTL_PROGRAM_SHA256@@", hash))],
    ["dist/flowctl-main.js", program],
  ];
}

/** The files CUE needs beside a Node bundle (host/node_cue.ts loads them). */
export async function cueAssets(): Promise<[string, Uint8Array][]> {
  return [
    ["wasm_exec.js", await Deno.readFile(new URL("cue/wasm_exec.js", ROOT))],
    ["cue.wasm.gz", await Deno.readFile(new URL("cue/flowctl_cue.wasm.gz", ROOT))],
  ];
}

/** The files of dist/ and the playground's embedded bundle, by path from the repository root. */
export async function bundleOutputs(): Promise<Map<string, Uint8Array>> {
  const text = new TextEncoder();
  const out = new Map<string, Uint8Array>([
    ["dist/cli.js", text.encode(await bundle("host/node_cli.ts", "node"))],
    ["dist/action.js", text.encode(await bundle("host/action.ts", "node"))],
    ["dist/control-plane.js", await controlPlaneBundle()],
    ...(await denoCommandLine()),
    ...(await cueAssets()).map(([name, bytes]) => [`dist/${name}`, bytes] as [string, Uint8Array]),
    // The bundles are ES modules, whatever the package.json above them says.
    ["dist/package.json", text.encode(JSON.stringify({ type: "module" }) + "\n")],
  ]);
  const page = await bundle("playground/page.ts", "browser");
  out.set("playground/bundle.ts", text.encode(embeddedModule("playground/page.ts (scripts/bundle.ts)", "PAGE_SCRIPT", page)));
  return out;
}

if (import.meta.main) {
  try {
    for (const [file, bytes] of await bundleOutputs()) {
      await Deno.mkdir(path(file.slice(0, file.lastIndexOf("/"))), { recursive: true });
      await Deno.writeFile(path(file), bytes, { mode: file.endsWith("cli.js") || file.endsWith("action.js") ? 0o755 : 0o644 });
    }
  } finally {
    await esbuild.stop();
  }
}
