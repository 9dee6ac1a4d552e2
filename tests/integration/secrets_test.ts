/**
 * Secrets by reference (`env: {NAME: {secret, key}}`) with a marker value:
 * it reaches the component that reads it (flowctl run with --env-file, for
 * real), and appears in no generated file of any target, no diagnostic, no
 * JSON output, no log and no state file. A missing one stops run.sh before
 * anything starts, naming the variable.
 */
import assert from "node:assert/strict";
import { exec, processesWithEnv, ROOT, until } from "../support/helpers.ts";

const FLOWCTL = new URL("scripts/flowctl", ROOT).pathname;
const MARKER = "s3cr3t-MARKER-7f1c 'quoted' $HOME `x` \\ end";

async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await filesUnder(path));
    else if (e.isFile) out.push(path);
  }
  return out;
}

Deno.test("secrets: no target's output, diagnostics or JSON holds the value, even with it in flowctl's environment", async () => {
  const env = { RPC_TOKEN: MARKER, LEDGER_DB_PASSWORD: MARKER, LEDGER_DB_HOST: MARKER };
  for (const target of ["docker-compose", "kubernetes", "nomad", "local"]) {
    for (const format of ["text", "json"]) {
      const r = await exec(FLOWCTL, ["translate", "-f", "fixtures/secrets.yaml", "-o", target, "--format", format], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes("MARKER") && !r.stderr.includes("MARKER"), `${target} ${format}`);
    }
  }
});

Deno.test("secrets: flowctl run --env-file hands the value to the process that reads it, and writes it nowhere", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flowctl-secrets-" });
  const marker = `FLOWCTL_SECRETS_TEST=${dir}`;
  try {
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      `apiVersion: flowctl/v1
kind: Pipeline
metadata: {name: secretive}
spec:
  controlPlane: {enabled: false}
  sources:
    - id: reader
      command: [bash, -c, 'printf %s "$DB_PASSWORD" | sha256sum | cut -d" " -f1; exec sleep 600']
      env:
        FLOWCTL_SECRETS_TEST: "${dir}"
        DB_PASSWORD: {secret: ledger-db, key: password}
`,
    );
    // Without the secret, nothing starts, and the message names the variable.
    const missing = await exec(FLOWCTL, ["run", "--log-dir", `${dir}/logs`, "--state-dir", `${dir}/state`, `${dir}/pipeline.yaml`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /set LEDGER_DB_PASSWORD in the environment/);
    assert.deepEqual(await processesWithEnv(marker), []);

    await Deno.writeTextFile(`${dir}/secrets.env`, `# the pipeline's secrets\nexport LEDGER_DB_PASSWORD='${MARKER}'\n`);
    const child = new Deno.Command(FLOWCTL, {
      args: ["run", "--env-file", `${dir}/secrets.env`, "--log-dir", `${dir}/logs`, "--state-dir", `${dir}/state`, `${dir}/pipeline.yaml`],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const output = child.output();
    const expected = await sha256(MARKER);
    await until("the reader's digest in its log", async () => (await Deno.readTextFile(`${dir}/logs/reader.log`).catch(() => "")).includes(expected), 30);
    child.kill("SIGTERM");
    const out = await output;
    const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.ok(said.includes(expected), "the process got the value byte for byte");
    assert.ok(!said.includes("MARKER"), "flowctl run's output holds no secret");
    for (const file of await filesUnder(dir)) {
      if (file.endsWith("secrets.env")) continue;
      assert.ok(!(await Deno.readTextFile(file)).includes("MARKER"), `${file} holds no secret`);
    }
    assert.deepEqual(await processesWithEnv(marker), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
