/**
 * Overlays and --set on the command line: `-f BASE -f OVERLAY` and
 * `--set PATH=VALUE` for translate, validate, merge and run; usage errors for
 * a malformed --set or one that addresses nothing; diagnostics at the
 * overlay's line. In process, through main(args, io).
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { runCli } from "../support/memory_io.ts";

const base = ["-f", "fixtures/fan_out.yaml"];
const prod = {
  "prod.yaml": `metadata:
  name: ledger-prod
spec:
  processors:
    - id: token-transfers
      replicas: 3
      image: docker.io/withobsrvr/ttp-processor:v1.3.0
`,
  "typo.yaml": `spec:\n  sinks:\n    - id: postgress\n      replicas: 2\n`,
};

Deno.test("translate -f BASE -f OVERLAY --set: the overlay's values, then --set's, reach the output", async () => {
  const r = await runCli(["translate", ...base, "-f", "prod.yaml", "--set", "sinks.duckdb.replicas=2", "-o", "compose"], prod);
  assert.equal(r.code, 0, r.stderr);
  const compose = parse(r.stdout.replace(/^#.*\n/gm, ""));
  assert.equal(compose.name, "ledger-prod");
  assert.equal(compose.services["token-transfers"].image, "docker.io/withobsrvr/ttp-processor:v1.3.0");
  assert.equal(compose.services["token-transfers"].deploy.replicas, 3);
  assert.equal(compose.services.duckdb.deploy.replicas, 2);
  assert.equal(compose.services.postgres.image, "docker.io/withobsrvr/postgres-sink:v1.0.0", "the base's where no layer says otherwise");
});

Deno.test("merge prints what the layers produce; validate -f checks it; errors point at the overlay's line", async () => {
  const merged = await runCli(["merge", ...base, "-f", "prod.yaml", "--set", "metadata.labels.tier=gold"], prod);
  assert.equal(merged.code, 0, merged.stderr);
  const doc = parse(merged.stdout);
  assert.equal(doc.metadata.name, "ledger-prod");
  assert.deepEqual(doc.metadata.labels, { team: "data", tier: "gold" });
  assert.equal(doc.spec.processors[0].replicas, 3);

  const valid = await runCli(["validate", ...base, "-f", "prod.yaml"], prod);
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /fixtures\/fan_out\.yaml: valid \(1 pipeline, 4 components\)/);

  const typo = await runCli(["validate", ...base, "-f", "typo.yaml"], prod);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /^typo\.yaml:3:11 error E_OVERLAY: the overlay changes sink "postgress", which the files before it do not have \(did you mean "postgres"\?\)/m);
  const json = JSON.parse((await runCli(["validate", "--format", "json", ...base, "-f", "typo.yaml"], prod)).stdout);
  assert.deepEqual(json.diagnostics.map((d: { file: string; line: number }) => [d.file, d.line]), [["typo.yaml", 3]]);

  const wrongType = await runCli(["validate", ...base, "--set", "processors.token-transfers.replicas=many"]);
  assert.equal(wrongType.code, 1);
  assert.match(wrongType.stderr, /^--set:1:\d+ error E_TYPE: /m);
});

Deno.test("--set that is malformed or addresses nothing, and a misplaced file, are usage errors (exit 2)", async () => {
  const cases: [string[], RegExp][] = [
    [["translate", ...base, "--set", "replicas"], /--set needs PATH=VALUE/],
    [["translate", ...base, "--set", "processors..replicas=1"], /a path has no empty keys/],
    [["translate", ...base, "--set", "processors.token-transfer.replicas=1"], /no processor has id "token-transfer" \(did you mean "token-transfers"\?\)/],
    [["merge", ...base, "--set", "metadata.name.first=x"], /metadata\.name is "ledger-fanout", which has no keys/],
    [["validate", ...base, "--set", "sinks.postgres=1"], /is a whole list item/],
    // Tags and directives are refused, quietly (the yaml package would print warnings of its own).
    [["validate", ...base, "--set", "metadata.name=!x"], /"!x" is not a plain YAML scalar/],
    [["validate", ...base, "--set", "metadata.name=%YAML"], /not a plain YAML scalar/],
    [["validate", ...base, "--set", "metadata.labels={a: 1}"], /one scalar, not a list or a mapping/],
    [["translate", ...base, "-f", "-"], /only the first -f may be -/],
    [["merge", ...base, "fixtures/linear.yaml"], /takes its files as -f FILE/],
    [["merge"], /merge needs -f FILE/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(" "));
  }
});
