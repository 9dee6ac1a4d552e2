/**
 * The GitHub Action as the runner starts it: `node dist/action.js` (the
 * committed bundle) with INPUT_* variables, GITHUB_WORKSPACE, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY, in a scratch workspace. The test reads back what it
 * printed (workflow commands), wrote (files, outputs, summary) and its exit code.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { exec, ROOT } from "../support/helpers.ts";

const ACTION = new URL("dist/action.js", ROOT).pathname;

interface Step {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses GITHUB_OUTPUT's `name<<DELIMITER … DELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i].match(/^([\w-]+)<<(.+)$/);
    if (!m) continue;
    const end = lines.indexOf(m[2], i + 1);
    out[m[1]] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return out;
}

async function runStep(workspace: string, inputs: Record<string, string>): Promise<Step> {
  await Deno.writeTextFile(`${workspace}/.out`, "");
  await Deno.writeTextFile(`${workspace}/.summary`, "");
  const env: Record<string, string> = {
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: `${workspace}/.out`,
    GITHUB_STEP_SUMMARY: `${workspace}/.summary`,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const r = await exec("node", [ACTION], { cwd: "/", env });
  assert.equal(r.stderr, "", "the action writes nothing to stderr");
  return {
    code: r.code,
    stdout: r.stdout,
    outputs: parseOutputs(await Deno.readTextFile(`${workspace}/.out`)),
    summary: await Deno.readTextFile(`${workspace}/.summary`),
  };
}

async function workspace(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "flowctl-action-" });
  await Deno.mkdir(`${dir}/pipelines/nested`, { recursive: true });
  await Deno.copyFile(new URL("fixtures/fan_out.yaml", ROOT), `${dir}/pipelines/ledger.yaml`);
  await Deno.copyFile(new URL("fixtures/diamond.yaml", ROOT), `${dir}/pipelines/nested/diamond.yaml`);
  return dir;
}

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}/${prefix}`)) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await filesUnder(dir, path));
    else out.push(path);
  }
  return out.sort();
}

Deno.test("action: validate annotates each diagnostic at its line, tables every pipeline, fails the step", async () => {
  const ws = await workspace();
  try {
    await Deno.writeTextFile(
      `${ws}/pipelines/broken.yaml`,
      "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: broken}\nspec:\n" +
        "  sources: [{id: src, image: busybox}]\n  sinks:\n    - id: dst\n      image: busybox\n      inputs: [sorce]\n",
    );
    const step = await runStep(ws, { pipelines: "pipelines/*.yaml\n# a comment line\npipelines/**/diamond.yaml", mode: "validate" });
    assert.equal(step.code, 1);
    assert.match(
      step.stdout,
      /^::error file=pipelines\/broken\.yaml,line=9,col=16,title=flowctl E_UNKNOWN_INPUT::sink "dst" names "sorce", which is not a component of this pipeline \(hint: /m,
    );
    assert.equal(step.outputs.errors, "1");
    assert.equal(step.outputs.drift, "false");
    assert.match(step.summary, /^\| pipelines\/broken\.yaml \| - \| invalid \| 0 \| 1 \| 1 \|$/m);
    assert.match(step.summary, /^\| pipelines\/ledger\.yaml \| docker-compose \| valid \| 1 \| 0 \| 0 \|$/m);
    assert.match(step.summary, /^\| pipelines\/nested\/diamond\.yaml \| docker-compose \| valid \| 1 \| 0 \| 0 \|$/m);
    // Each valid pipeline's graph, as the golden Mermaid flowchart, in a block GitHub draws; none for the broken one.
    const blocks = [...step.summary.matchAll(/^\*\*`([^`]+)`\*\*: pipeline `([^`]+)`\n\n```mermaid\n([\s\S]*?)```$/gm)];
    assert.deepEqual(blocks.map((b) => [b[1], b[2]]), [["pipelines/ledger.yaml", "ledger-fanout"], ["pipelines/nested/diamond.yaml", "diamond"]]);
    assert.equal(blocks[0][3], await Deno.readTextFile(new URL("golden/fan_out/graph/ledger-fanout.mmd", ROOT)));
    assert.equal(blocks[1][3], await Deno.readTextFile(new URL("golden/diamond/graph/diamond.mmd", ROOT)));
    assert.ok(step.summary.indexOf("#### Pipelines") > step.summary.indexOf("| Pipeline | Target |"), "the diagrams come after the table");
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("action: generate writes each pipeline × target, lists the files, and check then finds drift", async () => {
  const ws = await workspace();
  try {
    // An alias and its target count once; options are the CLI's target options, one name=value per line.
    const inputs = {
      pipelines: "pipelines/**/*.yaml",
      targets: "k8s,kubernetes,nomad",
      options: "namespace=etl\nnomad-json=true",
      "output-dir": "deploy/{target}/{pipeline}",
    };
    const generated = await runStep(ws, { ...inputs, mode: "generate" });
    assert.equal(generated.code, 0, generated.stdout);
    const written = await filesUnder(`${ws}/deploy`);
    assert.deepEqual(generated.outputs.files.split("\n").sort(), written.map((f) => `deploy/${f}`));
    assert.ok(written.includes("nomad/ledger/ledger-fanout.nomad.hcl"));
    assert.ok(written.includes("nomad/ledger/ledger-fanout.nomad.json"), "option nomad-json reached the nomad target");
    assert.equal(
      await Deno.readTextFile(`${ws}/deploy/nomad/ledger/ledger-fanout.nomad.hcl`),
      (await Deno.readTextFile(new URL("golden/fan_out/nomad/ledger-fanout.nomad.hcl", ROOT)))
        .replace('datacenters = ["*"]', 'datacenters = ["*"]\n  namespace   = "etl"'),
    );
    assert.ok(written.every((f) => !f.startsWith("k8s/")), "k8s and kubernetes are one target");
    assert.match(await Deno.readTextFile(`${ws}/deploy/kubernetes/ledger/04-deployment-postgres.yaml`), /^ {2}namespace: etl$/m);
    assert.equal(written.filter((f) => f.startsWith("kubernetes/diamond/")).length > 3, true);
    assert.match(generated.summary, /^\| pipelines\/ledger\.yaml \| kubernetes \| written to deploy\/kubernetes\/ledger \| \d+ \| 0 \| 0 \|$/m);

    const clean = await runStep(ws, { ...inputs, mode: "check" });
    assert.equal(clean.code, 0, clean.stdout);
    assert.equal(clean.outputs.drift, "false");

    const changed = `${ws}/deploy/nomad/ledger/ledger-fanout.nomad.hcl`;
    await Deno.writeTextFile(changed, (await Deno.readTextFile(changed)).replace("count = 1", "count = 3"));
    await Deno.writeTextFile(`${ws}/deploy/nomad/diamond/stale.hcl`, "job {}\n");
    const drifted = await runStep(ws, { ...inputs, mode: "check" });
    assert.equal(drifted.code, 1);
    assert.equal(drifted.outputs.drift, "true");
    assert.match(drifted.stdout, /^::error file=deploy\/nomad\/ledger\/ledger-fanout\.nomad\.hcl,title=flowctl drift::changed: /m);
    assert.match(drifted.stdout, /^::error file=deploy\/nomad\/diamond\/stale\.hcl,title=flowctl drift::extra: /m);
    assert.match(drifted.stdout, /^-\s+count = 3$/m);
    assert.match(drifted.summary, /drift: 1 file\(s\) in deploy\/nomad\/ledger/);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("action: prefix and registry reach every target, as the CLI's --prefix and --registry", async () => {
  const ws = await workspace();
  try {
    // At the fixture's own path: run.sh names the file it came from.
    await Deno.mkdir(`${ws}/fixtures/with_flags`, { recursive: true });
    await Deno.copyFile(new URL("fixtures/with_flags/prefix_registry.yaml", ROOT), `${ws}/fixtures/with_flags/prefix_registry.yaml`);
    const step = await runStep(ws, {
      pipelines: "fixtures/with_flags/prefix_registry.yaml",
      targets: "all",
      prefix: "dev",
      registry: "registry.example.com/acme",
      "output-dir": "deploy",
      mode: "generate",
    });
    assert.equal(step.code, 0, step.stdout);
    // The same bytes as the goldens the CLI's flags make.
    const golden = new URL("golden/with_flags/prefix_registry/", ROOT);
    for (const file of await filesUnder(new URL(golden).pathname)) {
      if (file.endsWith("diagnostics.txt")) continue;
      assert.equal(await Deno.readTextFile(`${ws}/deploy/${file}`), await Deno.readTextFile(new URL(file, golden)), file);
    }
    assert.ok(step.outputs.files.split("\n").includes("deploy/kubernetes/04-deployment-dev-postgres.yaml"));

    for (
      const [inputs, message] of [
        [{ prefix: "Dev" }, /^::error title=flowctl::input prefix: prefix "Dev" cannot start names on every target/m],
        [{ registry: "ghcr.io/Acme" }, /^::error title=flowctl::input registry: registry "ghcr\.io\/Acme" is not a registry/m],
        [{ "control-plane-image": "a b" }, /^::error title=flowctl::input control-plane-image: control-plane-image "a b" is not an image/m],
      ] as const
    ) {
      const bad = await runStep(ws, { pipelines: "fixtures/with_flags/prefix_registry.yaml", ...inputs });
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, message);
    }
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("action: overlays and set are laid over every pipeline, as the CLI's -f … -f and --set; their errors are annotated where they are", async () => {
  const ws = await workspace();
  try {
    await Deno.writeTextFile(`${ws}/prod.yaml`, "spec:\n  processors:\n    - id: token-transfers\n      replicas: 3\n");
    const step = await runStep(ws, {
      pipelines: "pipelines/ledger.yaml",
      overlays: "prod.yaml",
      set: "sinks.duckdb.replicas=2",
      targets: "docker-compose",
      "output-dir": "deploy",
      mode: "generate",
    });
    assert.equal(step.code, 0, step.stdout);
    const compose = await Deno.readTextFile(`${ws}/deploy/docker-compose.yaml`);
    assert.match(compose, /token-transfers:\n(?: .*\n)*? {4}deploy:\n {6}replicas: 3\n/);
    assert.match(compose, /duckdb:\n(?: .*\n)*? {4}deploy:\n {6}replicas: 2\n/);

    await Deno.writeTextFile(`${ws}/bad.yaml`, "spec:\n  processors:\n    - id: token-transfer\n      replicas: 3\n");
    const bad = await runStep(ws, { pipelines: "pipelines/ledger.yaml", overlays: "bad.yaml", mode: "validate" });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^::error file=bad\.yaml,line=3,col=11,title=flowctl E_OVERLAY::/m);
    const malformed = await runStep(ws, { pipelines: "pipelines/ledger.yaml", set: "replicas", mode: "validate" });
    assert.equal(malformed.code, 1);
    assert.match(malformed.stdout, /^::error title=flowctl::input set: --set needs PATH=VALUE/m);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("action: a file's source is read beside its pipeline, as the CLI reads it", async () => {
  const ws = await workspace();
  try {
    await Deno.mkdir(`${ws}/cfg`);
    await Deno.writeTextFile(`${ws}/cfg/app.toml`, "a = \"${x}\"\r\n");
    await Deno.writeTextFile(
      `${ws}/cfg/pipeline.yaml`,
      "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: cfg}\nspec:\n  sources:\n    - id: app\n      image: example/app:1\n" +
        "      files: [{path: /etc/app.toml, source: app.toml}]\n",
    );
    const step = await runStep(ws, { pipelines: "cfg/pipeline.yaml", targets: "kubernetes", "output-dir": "deploy", mode: "generate" });
    assert.equal(step.code, 0, step.stdout);
    const configMap = parse(await Deno.readTextFile(`${ws}/deploy/02-configmap-app-files.yaml`));
    assert.equal(configMap.data["file-1"], "a = \"${x}\"\r\n");
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("action: every input the action reads is declared in action.yml, and every declared one is read", async () => {
  const declared = Object.keys(parse(await Deno.readTextFile(new URL("action.yml", ROOT))).inputs).sort();
  const source = await Deno.readTextFile(new URL("host/action.ts", ROOT));
  const read = [...new Set([...source.matchAll(/\binput\("([\w-]+)"\)/g)].map((m) => m[1]))].sort();
  assert.deepEqual(read, declared);
  assert.ok(declared.includes("prefix") && declared.includes("registry"));
});

Deno.test("action: a pipeline file that is not UTF-8 is annotated at its offending byte", async () => {
  const ws = await workspace();
  try {
    const bytes = [...new TextEncoder().encode("apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: \"caf"), 0xe9];
    await Deno.writeFile(`${ws}/pipelines/latin1.yaml`, new Uint8Array([...bytes, ...new TextEncoder().encode('"}\n')]));
    const step = await runStep(ws, { pipelines: "pipelines/latin1.yaml" });
    assert.equal(step.code, 1);
    assert.match(step.stdout, /^::error file=pipelines\/latin1\.yaml,line=3,col=22,title=flowctl E_SYNTAX::byte 0xE9 is not UTF-8/m);
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});

Deno.test("action: bad inputs fail the step with one clear error, no stack trace", async () => {
  const ws = await workspace();
  try {
    const cases: [Record<string, string>, RegExp][] = [
      [{ pipelines: "pipelines/*.yaml", mode: "deploy" }, /^::error title=flowctl::input mode must be one of validate, generate, check, not "deploy"$/m],
      [{ pipelines: "" }, /^::error title=flowctl::input pipelines is empty/m],
      [{ pipelines: "pipelines/*.yaml", targets: "helm" }, /^::error title=flowctl::input targets: unknown target "helm"/m],
      [{ pipelines: "pipelines/*.yaml", targets: "nomad", options: "namespace=x\nreplicas=3" }, /^::error title=flowctl::input options: no target has an option "replicas"/m],
      [{ pipelines: "pipelines/*.yaml", targets: "nomad", options: "cpu-mhz-per-core=fast" }, /^::error title=flowctl::input options: cpu-mhz-per-core needs an integer from 1 to 1000000, not "fast"/m],
      [{ pipelines: "pipelines/*.yaml", targets: "nomad", options: "namespace" }, /^::error title=flowctl::input options: namespace needs a DNS label/m],
      [
        { pipelines: "pipelines/*.yaml", targets: "nomad", options: "create-namespace" },
        /^::error title=flowctl::input options: create-namespace is an option of target kubernetes; add kubernetes to input targets$/m,
      ],
      [{ pipelines: "missing.yaml" }, /^::error file=missing\.yaml,title=flowctl::cannot read missing\.yaml/m],
      [
        { pipelines: "pipelines/ledger.yaml", mode: "generate", "output-dir": "/proc/flowctl-nope" },
        /^::error file=pipelines\/ledger\.yaml,title=flowctl::cannot write into \/proc\/flowctl-nope: /m,
      ],
    ];
    for (const [inputs, message] of cases) {
      const step = await runStep(ws, inputs);
      assert.equal(step.code, 1, JSON.stringify(inputs));
      assert.match(step.stdout, message);
      assert.doesNotMatch(step.stdout, /\n\s+at /);
    }
  } finally {
    await Deno.remove(ws, { recursive: true });
  }
});
