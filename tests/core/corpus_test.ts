/**
 * Every real pipeline from the Go flowctl's repositories (tests/corpus, see its PROVENANCE.md)
 * has its expected verdict written down here: "valid" (translates to
 * docker-compose, which is then checked against the Compose schema), or the
 * error codes it must be rejected with. A file missing from the table fails.
 */
import assert from "node:assert/strict";
import { compile, validate } from "../../translate/compile.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { composeErrors } from "../support/compose_schema.ts";
import { kubernetesErrors } from "../support/kubernetes_check.ts";
import { nomadErrors } from "../support/nomad_check.ts";
import { cue, ROOT } from "../support/helpers.ts";

const CORPUS = new URL("tests/corpus/", ROOT);

/** docker-compose verdicts. E_TARGET_UNSUPPORTED: valid pipeline, but command-only components. */
const VERDICTS: Record<string, "valid" | string[]> = {
  "flowctl/examples-all-assets.quickstartpipeline.2691629.yaml": ["E_UNSUPPORTED_FORMAT"],
  "flowctl/examples-cdp-pipeline.cfe3bab.yaml": "valid",
  "flowctl/examples-config-base-cdp-pipeline-example.cfe3bab.yaml": "valid",
  "flowctl/examples-dag-pipeline.cfe3bab.yaml": "valid",
  "flowctl/examples-dag-pipeline.f6cf4b7.yaml": ["E_VALUE"],
  "flowctl/examples-discord-sandbox-demo.3710666.yaml": "valid",
  "flowctl/examples-docker-pipeline.cfe3bab.yaml": "valid",
  "flowctl/examples-docker-test.hybrid.fd7254c.yaml": ["E_HEALTH_PORT"],
  "flowctl/examples-hello-world-pipeline.dfd4a1a.yaml": ["E_TARGET_UNSUPPORTED"],
  "flowctl/examples-local-pipeline.cfe3bab.yaml": "valid",
  "flowctl/examples-local-process-pipeline.dfd4a1a.yaml": ["E_TARGET_UNSUPPORTED"],
  "flowctl/examples-local-test.dfd4a1a.yaml": ["E_UNKNOWN_KEY"],
  "flowctl/examples-local-test.hybrid.fd7254c.yaml": "valid",
  "flowctl/examples-long-running-pipeline.dfd4a1a.yaml": ["E_TARGET_UNSUPPORTED"],
  "flowctl/examples-mainnet-usdc.quickstartpipeline.2691629.yaml": ["E_UNSUPPORTED_FORMAT"],
  "flowctl/examples-minimal.cfe3bab.yaml": "valid",
  "flowctl/examples-minimal.f2f875e.yaml": ["E_TARGET_UNSUPPORTED"],
  "flowctl/examples-minimal.legacy.c5a5e73.yaml": ["E_NO_EXECUTABLE"],
  "flowctl/examples-mock-pipeline.dfd4a1a.yaml": ["E_TARGET_UNSUPPORTED"],
  "flowctl/examples-multi-asset.quickstartpipeline.2691629.yaml": ["E_UNSUPPORTED_FORMAT"],
  "flowctl/examples-oci-registry-test.f2f875e.yaml": "valid",
  "flowctl/examples-quickstart.quickstartpipeline.2691629.yaml": ["E_UNSUPPORTED_FORMAT"],
  "flowctl/examples-sandbox-host-pipeline.withobsrvr-v1.5304533.yaml": ["E_NO_EXECUTABLE"],
  "flowctl/examples-sandbox-minimal-host.withobsrvr-v1.5304533.yaml": ["E_NO_EXECUTABLE"],
  "flowctl/examples-sandbox-pipeline.cfe3bab.yaml": "valid",
  "flowctl/examples-sandbox-pipeline.withobsrvr-v1.a38bd0a.yaml": ["E_NO_EXECUTABLE"],
  "flowctl/examples-simple-local-pipeline.dfd4a1a.yaml": ["E_TARGET_UNSUPPORTED"],
  "flowctl/examples-stellar-pipeline.c5a5e73.yaml": "valid",
  "flowctl/examples-test-embedded-pipeline.dfd4a1a.yaml": "valid",
  "flowctl/examples-tls-pipeline.legacy.a55be6c.yaml": ["E_NO_EXECUTABLE"],
  "flowctl/examples-usdc-only.quickstartpipeline.2691629.yaml": ["E_UNSUPPORTED_FORMAT"],
  "flowctl/quickstart-testnet-duckdb.014a4fc.yaml": "valid",
  "flowctl/quickstart-testnet-duckdb.13a2d9b.yaml": "valid",
  "flowctl/quickstart-testnet-duckdb.aa80474.yaml": "valid",
  "flowctl/quickstart-testnet-duckdb.b79dda8.yaml": "valid",
  "flowctl/quickstart-testnet-postgres.014a4fc.yaml": "valid",
  "flowctl/quickstart-testnet-postgres.13a2d9b.yaml": "valid",
  "flowctl/quickstart-testnet-postgres.aa80474.yaml": "valid",
  "flowctl/quickstart-testnet-postgres.b79dda8.yaml": "valid",
  "flowctl/root-duckdb-test-pipeline.014a4fc.yaml": "valid",
  "flowctl/root-postgres-test-pipeline.014a4fc.yaml": "valid",
  "flowctl/root-stellar-pipeline.init-output.014a4fc.yaml": "valid",
  "flowctl/root-stellar-pipeline.init-output.257709a.yaml": "valid",
  "flowctl/schema-invalid-pipeline.yaml": ["E_HEALTH_PORT","E_NO_INPUTS","E_VALUE"],
  "flowctl/schema-test-pipeline.yaml": "valid",
  "flowctl/smoke-token-transfer.heredoc-template.23afd71.yaml": ["E_TARGET_UNSUPPORTED"],
  "obsrvr-stellar-components/pipelines-fanout-postgres-ducklake.yaml": ["E_TARGET_UNSUPPORTED"],
  "obsrvr-stellar-components/pipelines-local-archive-ducklake-flowctl.yaml": ["E_TARGET_UNSUPPORTED"],
  "obsrvr-stellar-components/pipelines-local-archive-ingest-rpc-flowctl.yaml": ["E_TARGET_UNSUPPORTED"],
  "obsrvr-stellar-components/pipelines-local-archive-quack-ducklake-flowctl.yaml": ["E_TARGET_UNSUPPORTED"],
  "obsrvr-stellar-components/pipelines-local-ducklake.yaml": ["E_TARGET_UNSUPPORTED"],
  "obsrvr-stellar-components/pipelines-local-jsonl.yaml": ["E_TARGET_UNSUPPORTED"],
  "obsrvr-stellar-components/pipelines-local-postgres.yaml": ["E_TARGET_UNSUPPORTED"],
  "ttp-processor-demo/contract-events-flowctl-pipeline-live.a22c1653.yaml": "valid",
  "ttp-processor-demo/contract-events-flowctl-pipeline.template.a22c1653.yaml": "valid",
  "ttp-processor-demo/postgres-consumer-postgres-test-pipeline.df87ac4f.yaml": "valid",
};

/**
 * Kubernetes, Nomad and local: a file that fails validation fails the same way
 * there. A valid one translates, except these, which the target cannot express
 * (command-only components on Kubernetes; `$HOME`/relative host paths on both
 * cluster targets; ports two components share on one machine for local).
 */
const TARGET_ERRORS: Record<string, { kubernetes?: string[]; nomad?: string[]; local?: string[] }> = {
  // Health on 8080, where the control plane listens: both would be on this machine.
  "flowctl/examples-local-test.hybrid.fd7254c.yaml": { local: ["E_PORT_CONFLICT"] },
  "flowctl/schema-test-pipeline.yaml": { local: ["E_PORT_CONFLICT"] },
  "flowctl/examples-cdp-pipeline.cfe3bab.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"], nomad: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/examples-config-base-cdp-pipeline-example.cfe3bab.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"], nomad: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/quickstart-testnet-duckdb.aa80474.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"], nomad: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/examples-hello-world-pipeline.dfd4a1a.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/examples-local-process-pipeline.dfd4a1a.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/examples-long-running-pipeline.dfd4a1a.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/examples-minimal.f2f875e.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/examples-mock-pipeline.dfd4a1a.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/examples-simple-local-pipeline.dfd4a1a.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "flowctl/smoke-token-transfer.heredoc-template.23afd71.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "obsrvr-stellar-components/pipelines-fanout-postgres-ducklake.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "obsrvr-stellar-components/pipelines-local-archive-ducklake-flowctl.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "obsrvr-stellar-components/pipelines-local-archive-ingest-rpc-flowctl.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "obsrvr-stellar-components/pipelines-local-archive-quack-ducklake-flowctl.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "obsrvr-stellar-components/pipelines-local-ducklake.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "obsrvr-stellar-components/pipelines-local-jsonl.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
  "obsrvr-stellar-components/pipelines-local-postgres.yaml": { kubernetes: ["E_TARGET_UNSUPPORTED"] },
};

async function corpusFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: URL, prefix: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && e.name !== "related") await walk(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`);
      else if (e.isFile && e.name.endsWith(".yaml")) out.push(prefix + e.name);
    }
  };
  await walk(CORPUS, "");
  return out.sort();
}

Deno.test("corpus: every file has a verdict", async () => {
  assert.deepEqual(await corpusFiles(), Object.keys(VERDICTS).sort());
});

for (const [file, verdict] of Object.entries(VERDICTS)) {
  Deno.test(`corpus: ${file} is ${verdict === "valid" ? "valid" : verdict.join(", ")}`, async () => {
    const text = await Deno.readTextFile(new URL(file, CORPUS));
    const engine = await cue();
    const result = compile(text, { filename: file, cue: engine, registry: defaultRegistry(), target: "docker-compose" });
    const codes = [...new Set(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.code))].sort();
    assert.deepEqual(codes, verdict === "valid" ? [] : verdict, result.diagnostics.map((d) => d.message).join("\n"));
    for (const d of result.diagnostics) {
      assert.equal(d.file, file);
      assert(d.line >= 1 && d.column >= 1 && d.hint.length > 0, `${d.code} has a position and a hint`);
    }
    for (const f of result.files) assert.deepEqual(await composeErrors(f.content), [], f.path);
    // Only the target can make a valid pipeline fail: validate() agrees with the schema and graph verdict.
    const checked = validate(text, { filename: file, cue: engine });
    const schemaCodes = codes.filter((c) => c !== "E_TARGET_UNSUPPORTED");
    assert.deepEqual([...new Set(checked.diagnostics.filter((d) => d.severity === "error").map((d) => d.code))].sort(), schemaCodes);
  });
}

for (const file of Object.keys(VERDICTS)) {
  for (const target of ["kubernetes", "nomad", "local"] as const) {
    Deno.test(`corpus: ${file} on ${target}`, async () => {
      const text = await Deno.readTextFile(new URL(file, CORPUS));
      const engine = await cue();
      const invalid = [...new Set(validate(text, { filename: file, cue: engine }).diagnostics.filter((d) => d.severity === "error").map((d) => d.code))].sort();
      const expected = invalid.length ? invalid : TARGET_ERRORS[file]?.[target] ?? [];
      const result = compile(text, { filename: file, cue: engine, registry: defaultRegistry(), target });
      const codes = [...new Set(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.code))].sort();
      assert.deepEqual(codes, expected, result.diagnostics.map((d) => `${d.line}: ${d.message}`).join("\n"));
      for (const d of result.diagnostics) assert(d.file === file && d.line >= 1 && d.hint.length > 0, `${d.code} points into the file, with a hint`);
      if (expected.length) return assert.equal(result.files.length, 0);
      assert(result.files.length > 0);
      if (target === "kubernetes") assert.deepEqual(await kubernetesErrors(result.files.map((f) => f.content)), []);
      else if (target === "nomad") for (const f of result.files) assert.deepEqual(await nomadErrors(f.path, f.content), [], f.path);
      // (shellcheck and bash judge each run.sh in tests/integration/shellcheck_test.ts.)
      else assert.deepEqual(result.files.map((f) => f.path), ["run.sh"]);
    });
  }
}
