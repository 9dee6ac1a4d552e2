/**
 * The npm package, as a Node user gets it: scripts/npm_package.ts builds it,
 * `npm pack` packs it, a scratch Node project installs the tarball, and then
 * (on Node, no Deno involved) the library compiles every fixture for every
 * target with the same bytes as Deno does, a generator registered from outside
 * is used, the `flowctl` bin validates, translates and sends docker the
 * control-plane image's build context, and TypeScript checks a consumer
 * against the shipped declarations.
 */
import assert from "node:assert/strict";
import ts from "typescript";
import { compile } from "../../translate/compile.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { cue, exec, fixtureFiles, ROOT } from "../support/helpers.ts";

const root = new URL(".", ROOT).pathname;

async function installedPackage(): Promise<string> {
  const tmp = await Deno.makeTempDir({ prefix: "flowctl-npm-" });
  const built = await exec(Deno.execPath(), ["run", "-A", "scripts/npm_package.ts", `${tmp}/package`]);
  assert.equal(built.code, 0, built.stderr);
  const packed = await exec("npm", ["pack", `${tmp}/package`, "--pack-destination", tmp, "--silent"]);
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = `${tmp}/${packed.stdout.trim().split("\n").pop()}`;
  await Deno.mkdir(`${tmp}/project`);
  await Deno.writeTextFile(`${tmp}/project/package.json`, JSON.stringify({ name: "scratch", private: true, type: "module" }));
  const installed = await exec("npm", ["install", tarball, "--no-audit", "--no-fund"], { cwd: `${tmp}/project` });
  assert.equal(installed.code, 0, installed.stderr);
  return `${tmp}/project`;
}

const fixtures = await fixtureFiles("fixtures");
const targets = defaultRegistry().names();

Deno.test("npm package: packed, installed into a Node project, and used from Node", async (t) => {
  const project = await installedPackage();
  try {
    await t.step("the library compiles every fixture for every target, byte for byte as on Deno", async () => {
      await Deno.writeTextFile(
        `${project}/compile_all.js`,
        `import { readFileSync } from "node:fs";
import { compile, loadCue } from "@flowctl/flowctl";
const cue = await loadCue();
const out = {};
for (const fixture of ${JSON.stringify(fixtures)}) {
  const text = readFileSync(${JSON.stringify(root)} + "fixtures/" + fixture, "utf8");
  for (const target of ${JSON.stringify(targets)}) {
    const r = compile(text, { filename: "fixtures/" + fixture, cue, target });
    out[fixture + " " + target] = { files: r.files, diagnostics: r.diagnostics };
  }
}
process.stdout.write(JSON.stringify(out));
`,
      );
      const node = await exec("node", ["compile_all.js"], { cwd: project });
      assert.equal(node.code, 0, node.stderr);
      const fromNode = JSON.parse(node.stdout);
      let files = 0;
      for (const fixture of fixtures) {
        const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
        for (const target of targets) {
          const r = compile(text, { filename: `fixtures/${fixture}`, cue: await cue(), target });
          assert.deepEqual(fromNode[`${fixture} ${target}`], JSON.parse(JSON.stringify({ files: r.files, diagnostics: r.diagnostics })), `${fixture} → ${target}`);
          files += r.files.length;
        }
      }
      assert.ok(files > 100, `only ${files} files compared`);
    });

    await t.step("a generator of one's own, passed in a registry, is what translate then uses", async () => {
      await Deno.writeTextFile(
        `${project}/custom.js`,
        `import { declareFidelity, defaultRegistry, dropped, loadCue, translate } from "@flowctl/flowctl";
const registry = defaultRegistry().register({
  name: "inventory",
  description: "component ids, one per line",
  fidelity: declareFidelity({}, dropped("an inventory lists ids only", "use a real target")),
  generate: (ir) => ({ files: [{ path: "inventory.txt", content: ir.components.map((c) => c.id).join("\\n") + "\\n" }], diagnostics: [] }),
});
const r = translate({ pipelines: [{ name: "p.yaml", text: process.argv[2] }], targets: ["inventory"], cue: await loadCue(), registry });
process.stdout.write(r.files[0].targets[0].files[0].content);
`,
      );
      const pipeline = "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n" +
        "  sources: [{id: src, image: busybox}]\n  sinks: [{id: out, image: busybox, inputs: [src]}]\n";
      const node = await exec("node", ["custom.js", pipeline], { cwd: project });
      assert.equal(node.code, 0, node.stderr);
      assert.equal(node.stdout, "src\nout\n");
    });

    await t.step("the flowctl bin validates (file:line:col, exit 1) and translates (stdin, exit 0)", async () => {
      const bin = `${project}/node_modules/.bin/flowctl`;
      const bad = await exec(bin, ["validate", "fixtures/invalid/graph_errors.yaml"]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^fixtures\/invalid\/graph_errors\.yaml:\d+:\d+ error E_[A-Z_]+: /m);
      const text = await Deno.readTextFile(new URL("fixtures/fan_out.yaml", ROOT));
      const good = await exec(bin, ["translate", "-f", "-", "-t", "nomad"], { stdin: text });
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stdout, await Deno.readTextFile(new URL("golden/fan_out/nomad/ledger-fanout.nomad.hcl", ROOT)));
      const usage = await exec(bin, ["translate"]);
      assert.equal(usage.code, 2);
      // An output folder that cannot be made is the user's error, reported at once (Node 20's own
      // recursive mkdir never returns for it).
      const unwritable = await exec(bin, ["translate", "-f", "fixtures/fan_out.yaml", "--output-dir", "/proc/flowctl-nope"]);
      assert.equal(unwritable.code, 1);
      assert.match(unwritable.stderr, /^flowctl: cannot write into \/proc\/flowctl-nope: /);
    });

    await t.step("the flowctl bin builds the control-plane image from the control-plane.js the package ships", async () => {
      // A stand-in docker on PATH: it keeps the build context it is sent and answers like docker.
      const bin = `${project}/fake-bin`;
      await Deno.mkdir(bin);
      await Deno.writeTextFile(
        `${bin}/docker`,
        `#!/usr/bin/env bash
case $1 in
  version) echo 20.10.24 ;;
  build) cat > "$CONTEXT" ;;
  image) echo 99400000 ;;
esac
`,
        { mode: 0o755 },
      );
      const context = `${project}/context.tar`;
      const built = await exec(`${project}/node_modules/.bin/flowctl`, ["controlplane", "image", "build"], {
        env: { PATH: `${bin}:${Deno.env.get("PATH")}`, CONTEXT: context },
      });
      assert.equal(built.code, 0, built.stderr);
      assert.equal(built.stdout, "built flowctl/control-plane:0.1.0 (99.4 MB)\n");
      const listed = await exec("tar", ["-tvf", context]);
      assert.deepEqual(listed.stdout.trim().split("\n").map((line) => line.split(/\s+/).pop()), ["Dockerfile", "control-plane.js", "data/"]);
      const extracted = await exec("tar", ["-xOf", context, "control-plane.js"]);
      assert.equal(extracted.stdout, await Deno.readTextFile(new URL("dist/control-plane.js", ROOT)));
    });

    await t.step("TypeScript checks a consumer against the shipped declarations", () => {
      const consumer = `${project}/consumer.ts`;
      Deno.writeTextFileSync(
        consumer,
        `import { compile, declareFidelity, dropped, loadCue, type Diagnostic, type Generator } from "@flowctl/flowctl";
const cue = await loadCue();
const result = compile("x: 1", { filename: "p.yaml", cue, target: "nomad" });
const first: Diagnostic | undefined = result.diagnostics[0];
const line: number | undefined = first?.line;
const paths: string[] = result.files.map((f) => f.path);
const mine: Generator = {
  name: "mine",
  description: "nothing",
  fidelity: declareFidelity({}, dropped("writes nothing", "use another target")),
  generate: () => ({ files: [], diagnostics: [] }),
};
// @ts-expect-error compile takes text, not a number: the declarations are real types, not any
compile(42, { cue });
export { line, mine, paths };
`,
      );
      const program = ts.createProgram([consumer], {
        strict: true,
        noEmit: true,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
        types: [],
      });
      const problems = ts.getPreEmitDiagnostics(program).map((d) =>
        `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`
      );
      assert.deepEqual(problems, []);
    });
  } finally {
    await Deno.remove(new URL("..", `file://${project}/`).pathname, { recursive: true });
  }
});
