/**
 * `spec.controlPlane.tls` beyond the goldens (fixtures/tls*.yaml): what the
 * schema accepts as `dir`, the warnings at the user's line when tls cannot
 * be used as written, run.sh refusing to start on a missing or open key, and
 * `apply -t local` waiting for the control plane over HTTPS.
 */
import assert from "node:assert/strict";
import { deployment } from "../../deploy/mod.ts";
import { compile, validate } from "../../translate/compile.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { cue, ROOT } from "../support/helpers.ts";

const pipeline = (controlPlane: string) => `apiVersion: flowctl/v1
kind: Pipeline
metadata: {name: secure}
spec:
  controlPlane:
${controlPlane}
  sources:
    - id: src
      image: example/src:1
`;

Deno.test("tls: dir is a folder inside the pipeline's, in plain characters", async () => {
  const errors = async (dir: string) =>
    validate(pipeline(`    tls: {dir: ${JSON.stringify(dir)}}`), { filename: "p.yaml", cue: await cue() }).diagnostics
      .filter((d) => d.severity === "error").map((d) => d.code);
  for (const dir of ["tls", "./pki", "certs/dev/", ".", ".hidden/x", "a..b"]) assert.deepEqual(await errors(dir), [], dir);
  for (const dir of ["../tls", "certs/../../x", "/etc/tls", "a b", "$HOME/tls", "", "a//b"]) assert.deepEqual(await errors(dir), ["E_VALUE"], dir);
});

Deno.test("tls: every target warns at tls without a control plane, and keeps a command of the user's own", async () => {
  for (const target of defaultRegistry().names()) {
    const off = compile(pipeline("    enabled: false\n    tls: {mode: server}"), { filename: "p.yaml", cue: await cue(), target });
    const targetSays = (r: typeof off) => r.diagnostics.filter((d) => d.code.startsWith("W_TARGET"));
    assert.deepEqual(targetSays(off).map((d) => [d.code, d.line, d.column]), [["W_TARGET_DROPPED", 7, 10]], target);
    assert.ok(!off.files.some((f) => f.content.includes("FLOWCTL_TLS")), `${target}: no TLS without a control plane`);

    const own = compile(pipeline("    command: [serve, --secure]\n    tls: {}"), { filename: "p.yaml", cue: await cue(), target });
    assert.deepEqual(targetSays(own).map((d) => [d.code, d.line]), [["W_TARGET_CAVEAT", 7]], target);
    const text = own.files.map((f) => f.content).join("\n");
    assert.ok(!text.includes("--tls-cert"), `${target}: no flags added to the user's command`);
    assert.ok(text.includes("FLOWCTL_TLS_SERVER_NAME"), `${target}: the components still speak TLS`);
  }
});

Deno.test("tls: run.sh stops before it starts anything when a file is missing or a key is open to others", async () => {
  const result = compile(pipeline("    tls: {}"), { filename: "p.yaml", cue: await cue(), target: "local" });
  const script = result.files[0].content;
  const dir = await Deno.makeTempDir({ prefix: "flowctl-tls-" });
  try {
    const run = async () => {
      const out = await new Deno.Command("bash", {
        args: ["-c", script, "run.sh"],
        env: { FLOWCTL_TLS_DIR: dir, FLOWCTL_STATE_DIR: `${dir}/state`, FLOWCTL_LOG_DIR: `${dir}/logs` },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    };
    const write = (name: string, mode: number) =>
      Deno.mkdir(`${dir}/components`, { recursive: true }).then(() => Deno.writeTextFile(`${dir}/${name}`, "pem\n", { mode })).then(() =>
        Deno.chmod(`${dir}/${name}`, mode)
      );
    for (const name of ["ca.pem", "control-plane.pem", "components/src.pem"]) await write(name, 0o644);
    for (const name of ["control-plane-key.pem", "components/src-key.pem"]) await write(name, 0o600);
    await Deno.remove(`${dir}/components/src-key.pem`);
    const missing = await run();
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /TLS file .*\/components\/src-key\.pem is missing or unreadable/);

    await write("components/src-key.pem", 0o640);
    const open = await run();
    assert.equal(open.code, 1);
    assert.match(open.stderr, /TLS key .*\/components\/src-key\.pem can be read by others \(-rw-r-----\): chmod 600 it/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** What apply, delete and status do with fixtures/tls.yaml on a target. */
async function tlsDeployment(target: string) {
  const text = await Deno.readTextFile(new URL("fixtures/tls.yaml", ROOT));
  const result = compile(text, { filename: "fixtures/tls.yaml", cue: await cue(), target });
  return deployment(target, {
    ir: result.pipelines[0],
    files: result.files,
    dir: `/state/${target}/p`,
    volumes: false,
    timeoutSeconds: 300,
    pipelineArgs: ["-f", "fixtures/tls.yaml"],
    projectDir: "fixtures",
    flowctl: ["/bin/flowctl"],
    optionArgs: [],
    options: {},
  })!;
}

Deno.test("tls: apply -t local waits for the control plane over HTTPS, trusting the CA in the pipeline's tls dir", async () => {
  const d = await tlsDeployment("local");
  const detach = d.apply.find((s) => s.kind === "detach");
  assert.equal(detach?.kind === "detach" && detach.readyUrl, "https://127.0.0.1:8081/health");
  assert.deepEqual(detach?.kind === "detach" && detach.readyTls, { ca: "fixtures/tls/ca.pem" });
  // status asks /api/services with the operator's certificate (mutual TLS: nothing else gets an answer).
  assert.deepEqual(d.controlPlane, {
    kind: "url",
    url: "https://127.0.0.1:8081/api/services",
    tls: { ca: "fixtures/tls/ca.pem", cert: "fixtures/tls/operator.pem", key: "fixtures/tls/operator-key.pem" },
  });
});

Deno.test("tls: status asks compose's published port over HTTPS as the operator; on Kubernetes it says how, since the proxy holds no certificate", async () => {
  for (const target of ["docker-compose", "kubernetes"]) {
    const d = await tlsDeployment(target);
    if (target === "docker-compose") {
      assert.equal(d.controlPlane.kind, "port-of");
      assert.deepEqual(d.controlPlane.kind === "port-of" && d.controlPlane.tls, {
        ca: "fixtures/tls/ca.pem",
        cert: "fixtures/tls/operator.pem",
        key: "fixtures/tls/operator-key.pem",
      });
    } else {
      assert.equal(d.controlPlane.kind, "none");
      assert.match(d.controlPlane.kind === "none" ? d.controlPlane.why : "", /operator's certificate.*kubectl port-forward/);
    }
  }
});
