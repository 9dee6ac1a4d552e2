/**
 * Golden files: every fixture × every registered target → golden/<fixture>/<target>/…,
 * plus diagnostics.txt when there are diagnostics; every invalid fixture →
 * golden/invalid/<case>/diagnostics.txt. A mismatch prints a unified diff.
 * `deno task golden:update` (UPDATE_GOLDEN=1) rewrites them. Goldens without a
 * fixture or target fail the run.
 */
import assert from "node:assert/strict";
const { fail } = assert;
import { createTwoFilesPatch } from "diff";
import { parse } from "yaml";
import { compile, validate } from "../translate/compile.ts";
import { formatDiagnostic } from "../compiler/diagnostics.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { composeErrors } from "./compose_schema.ts";
import { kubernetesErrors } from "./kubernetes_check.ts";
import { nomadErrors } from "./nomad_check.ts";
import { shellErrors } from "./shell_check.ts";
import { cue, fixtureFiles, ROOT } from "./helpers.ts";

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";
const registry = defaultRegistry();
const GOLDEN = new URL("golden/", ROOT);
const expected = new Set<string>();

async function check(relative: string, actual: string) {
  expected.add(relative);
  const url = new URL(relative, GOLDEN);
  if (UPDATE) {
    await Deno.mkdir(new URL(".", url), { recursive: true });
    await Deno.writeTextFile(url, actual);
    return;
  }
  const want = await Deno.readTextFile(url).then((t) => t.replaceAll("\r\n", "\n"), () => undefined);
  if (want === undefined) fail(`missing golden file golden/${relative}; run deno task golden:update`);
  if (want !== actual) {
    fail(`golden/${relative} differs (run deno task golden:update if intended):\n` +
      createTwoFilesPatch(`golden/${relative}`, "generated", want!, actual));
  }
}

function diagnosticsText(ds: { code: string }[]): string {
  return ds.map((d) => formatDiagnostic(d as Parameters<typeof formatDiagnostic>[0])).join("\n") + "\n";
}

for (const fixture of await fixtureFiles("fixtures")) {
  const name = fixture.replace(/\.(ya?ml|json)$/, "");
  for (const target of registry.names()) {
    Deno.test(`golden: ${fixture} → ${target}`, async () => {
      const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
      const result = compile(text, { filename: `fixtures/${fixture}`, cue: await cue(), target, registry });
      for (const f of result.files) {
        await check(`${name}/${target}/${f.path}`, f.content);
        if (target === "docker-compose") {
          assert.deepEqual(await composeErrors(f.content), [], `${f.path} breaks the Compose Specification schema`);
          checkEnvRoundTrip(f.content, result.pipelines.find((p) => f.path.startsWith(p.name) || result.pipelines.length === 1)!);
        }
        if (target === "nomad") assert.deepEqual(await nomadErrors(f.path, f.content), [], `${f.path} breaks Nomad's block table`);
        if (target === "local") assert.deepEqual(await shellErrors(f.path, f.content), [], `${f.path} is not a clean bash script`);
      }
      if (target === "kubernetes") {
        // Each pipeline's objects are applied on their own (a folder each when a file holds several).
        const folders = Map.groupBy(result.files, (f) => f.path.includes("/") ? f.path.slice(0, f.path.indexOf("/")) : "");
        for (const [folder, files] of folders) {
          assert.deepEqual(await kubernetesErrors(files.map((f) => f.content)), [], `kubernetes objects of ${name}/${folder}`);
        }
      }
      if (result.diagnostics.length) await check(`${name}/${target}/diagnostics.txt`, diagnosticsText(result.diagnostics));
      // Determinism: a second run is byte-identical.
      const again = compile(text, { filename: `fixtures/${fixture}`, cue: await cue(), target, registry });
      assert.deepEqual(again.files, result.files);
    });
  }
}

for (const fixture of await fixtureFiles("fixtures/invalid")) {
  const name = fixture.replace(/\.(ya?ml|json)$/, "");
  Deno.test(`golden: invalid/${fixture} diagnostics`, async () => {
    const text = await Deno.readTextFile(new URL(`fixtures/invalid/${fixture}`, ROOT));
    const result = compile(text, { filename: `fixtures/invalid/${fixture}`, cue: await cue(), registry });
    assert(result.diagnostics.some((d) => d.severity === "error"), "an invalid fixture must give an error");
    assert.equal(result.files.length, 0, "no files when there are errors");
    await check(`invalid/${name}/diagnostics.txt`, diagnosticsText(result.diagnostics));
  });
}

/** Env values read back from the YAML (as YAML 1.2 and 1.1 readers do) equal the IR's, after compose's $$ unescaping. */
function checkEnvRoundTrip(content: string, ir: { components: { id: string; env: Record<string, string> }[] }) {
  for (const version of ["1.2", "1.1"] as const) {
    const doc = parse(content, { version }) as { services: Record<string, { environment?: Record<string, unknown> }> };
    for (const c of ir?.components ?? []) {
      const env = doc.services[c.id]?.environment;
      if (!env) continue;
      for (const [key, value] of Object.entries(c.env)) {
        // flowctl owns these two and replaces a user's value (with a warning).
        if (key === "ENABLE_FLOWCTL" || key === "FLOWCTL_ENDPOINT") continue;
        const got: unknown = env[key];
        assert.equal(typeof got, "string", `YAML ${version} reads ${c.id}.${key} as ${typeof got}`);
        assert.equal((got as string).replaceAll("$$", "$"), value, `${c.id}.${key} changed in the round trip`);
      }
    }
  }
}

Deno.test("golden: no golden file without a fixture and target", async () => {
  if (UPDATE) return;
  const found: string[] = [];
  const walk = async (dir: URL, prefix: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`);
      else found.push(prefix + e.name);
    }
  };
  await walk(GOLDEN, "");
  // Only judge once the other tests ran (Deno runs tests in file order).
  const orphans = found.filter((f) => !expected.has(f));
  assert.deepEqual(orphans, [], "golden files no fixture produces; delete them or run deno task golden:update");
});

// Validation alone agrees with compile on every fixture.
Deno.test("golden: validate() accepts every valid fixture", async () => {
  for (const fixture of await fixtureFiles("fixtures")) {
    const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
    const result = validate(text, { filename: fixture, cue: await cue() });
    assert.equal(result.diagnostics.filter((d) => d.severity === "error").length, 0, fixture);
  }
});
