/** The CLI as a user meets it: exit codes, streams, formats, stdin, and --output-dir that writes all or nothing. */
import assert from "node:assert/strict";
import { ROOT } from "../support/helpers.ts";
import { type Run, runCli } from "../support/memory_io.ts";

function run(args: string[], files: Record<string, string | Uint8Array> = {}, stdin = "", tree = new Map<string, string>()): Promise<Run> {
  return runCli(args, files, stdin, tree);
}

Deno.test("cli: translate prints one compose file on stdout and exits 0", async () => {
  const r = await run(["translate", "-f", "fixtures/linear.yaml"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# Run with Docker Compose v2[^\n]*\n(#[^\n]*\n)*\nname: linear\nservices:\n/);
  assert.equal(r.stderr, "");
});

Deno.test("cli: translate --output-dir writes nothing when there are errors, exits 1", async () => {
  const r = await run(["translate", "-f", "fixtures/invalid/compose_command_only.yaml", "--output-dir", "out/x"]);
  assert.equal(r.code, 1);
  assert.equal(r.written.size, 0);
  assert.match(r.stderr, /^fixtures\/invalid\/compose_command_only\.yaml:9:7 error E_TARGET_UNSUPPORTED: /m);
});

Deno.test("cli: translate --output-dir writes every file of a multi-document file", async () => {
  const r = await run(["translate", "-f", "fixtures/multi_document.yaml", "--output-dir", "out/multi"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.written.get("out/multi")!.map((f) => f.path), ["first/docker-compose.yaml", "second/docker-compose.yaml"]);
});

Deno.test("cli: several output files without --output-dir is a usage error (exit 2)", async () => {
  const r = await run(["translate", "-f", "fixtures/multi_document.yaml"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /target docker-compose writes 2 files \(first\/docker-compose\.yaml, second\/docker-compose\.yaml\); use --output-dir DIR/);
});

Deno.test("cli: validate reads stdin with -", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/linear.yaml", ROOT));
  const r = await run(["validate", "-"], {}, text);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "<stdin>: valid (1 pipeline, 3 components)\n");
});

Deno.test("cli: validate --format json prints exactly the diagnostic fields", async () => {
  const r = await run(["validate", "--format", "json", "fixtures/invalid/graph_errors.yaml", "fixtures/linear.yaml"]);
  assert.equal(r.code, 1);
  const parsed = JSON.parse(r.stdout);
  assert(parsed.diagnostics.length > 5);
  for (const d of parsed.diagnostics) {
    assert.deepEqual(Object.keys(d).sort(), ["code", "column", "file", "hint", "line", "message", "path", "severity"]);
  }
  assert.equal(parsed.diagnostics[0].file, "fixtures/invalid/graph_errors.yaml");
});

Deno.test("cli: translate --format json lists files and diagnostics per target", async () => {
  const r = await run(["translate", "-f", "fixtures/control_plane_go.yaml", "--format=json"]);
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout);
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.targets[0].target, "docker-compose");
  assert.equal(parsed.targets[0].files[0].path, "docker-compose.yaml");
  assert.deepEqual(parsed.targets[0].diagnostics.map((d: { code: string }) => d.code), ["W_ENV_REPLACED"]);
});

Deno.test("cli: -o all --output-dir writes a folder per target; --format json says what each target could not express", async () => {
  const r = await run(["translate", "-f", "fixtures/ports_health.yaml", "-o", "all", "--output-dir", "out/all", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout);
  assert.deepEqual(parsed.targets.map((t: { target: string }) => t.target), ["docker-compose", "kubernetes", "local", "nomad"]);
  const k8s = parsed.targets[1];
  assert(k8s.diagnostics.some((d: { code: string; line: number }) => d.code === "W_TARGET_DROPPED" && d.line === 10));
  const paths = r.written.get("out/all")!.map((f) => f.path);
  assert(paths.includes("docker-compose/docker-compose.yaml"));
  // The JSON names the files as they were written.
  assert.deepEqual(parsed.targets.flatMap((t: { files: { path: string }[] }) => t.files.map((f) => f.path)).sort(), [...paths].sort());
  assert(paths.includes("nomad/ports-health.nomad.hcl"));
  assert(paths.some((p) => p.startsWith("kubernetes/04-deployment-")));
});

Deno.test("cli: one error in one of several targets writes nothing at all", async () => {
  const r = await run(["translate", "-f", "fixtures/commands.yaml", "-t", "nomad,kubernetes", "--output-dir", "out/both"]);
  assert.equal(r.code, 1);
  assert.equal(r.written.size, 0);
  assert.match(r.stderr, /E_TARGET_UNSUPPORTED: .* \[kubernetes\]$/m);
});

Deno.test("cli: kubernetes prints one multi-document stream on stdout", async () => {
  const r = await run(["translate", "-f", "fixtures/linear.yaml", "-t", "k8s", "--create-namespace", "--namespace", "etl"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^apiVersion: v1\nkind: Namespace\nmetadata:\n {2}name: etl\n/);
  assert(r.stdout.split("\n---\n").length > 3);
});

Deno.test("cli: target options are checked: wrong target, wrong type, wrong choice", async () => {
  for (
    const [args, pattern] of [
      [["-t", "docker-compose", "--nomad-json"], /--nomad-json is an option of target nomad; add -t nomad/],
      [["-t", "nomad", "--cpu-mhz-per-core", "fast"], /--cpu-mhz-per-core needs an integer from 1 to 1000000, not "fast"/],
      [["-t", "nomad", "--cpu-mhz-per-core", "1e308"], /--cpu-mhz-per-core of target nomad takes an integer from 1 to 1000000/],
      [["-t", "local", "--max-restarts", "2.5"], /--max-restarts of target local takes an integer from 0 to 1000, not 2\.5/],
      [["-t", "local", "--stop-grace", "-5"], /--stop-grace of target local takes an integer from 0 to 3600/],
      [["-t", "local", "--health-timeout", "1e20"], /--health-timeout of target local takes an integer from 1 to 86400/],
      [["-t", "local", "--control-plane-http-port", "99999"], /--control-plane-http-port of target local takes a port number/],
      [["-t", "kubernetes", "--volume-size", "-1Gi"], /--volume-size of target kubernetes takes a Kubernetes quantity/],
      [["-t", "kubernetes", "--cluster-domain", "a..b"], /--cluster-domain of target kubernetes takes a DNS name/],
      [["-t", "kubernetes", "--storage-class", "${x}"], /--storage-class of target kubernetes takes a DNS name/],
      [["-t", "nomad", "--command-driver", "java"], /--command-driver of target nomad takes one of exec, raw_exec, not "java"/],
      [["-t", "nomad", "--nomad-json"], /writes 2 files \(linear\.nomad\.hcl, linear\.nomad\.json\); use --output-dir DIR/],
      [["-t", "kubernetes", "--create-namespace=maybe"], /true or false/],
      [["-t", "kubernetes,nomad"], /several targets write several files; use --output-dir DIR/],
    ] as const
  ) {
    const r = await run(["translate", "-f", "fixtures/linear.yaml", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

Deno.test("cli: translate --help lists every target's options", async () => {
  const r = await run(["translate", "--help"]);
  assert.equal(r.code, 0);
  for (const flag of ["--create-namespace", "--volume-size", "--nomad-json", "--cpu-mhz-per-core", "--command-driver exec|raw_exec"]) {
    assert(r.stdout.includes(flag), flag);
  }
});

Deno.test("cli: usage errors exit 2 and say what is wrong", async () => {
  for (
    const [args, pattern] of [
      [["translate"], /needs -f FILE/],
      [["translate", "-f", "x.yaml", "-t", "helm"], /unknown target "helm"; targets: docker-compose/],
      [["validate", "--frobnicate"], /unknown option "--frobnicate"/],
      [["validate", "--format", "xml", "a.yaml"], /--format must be text or json/],
      [["launch"], /unknown command "launch"/],
      [[], /Usage:/],
    ] as const
  ) {
    const r = await run([...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, pattern);
  }
});

Deno.test("cli: a missing file is an input error (exit 1) without a stack trace", async () => {
  const r = await run(["validate", "does/not/exist.yaml"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^flowctl: cannot read "does\/not\/exist.yaml": /);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
});

Deno.test("cli: --help and --version exit 0", async () => {
  for (const args of [["--help"], ["translate", "--help"], ["validate", "-h"], ["run", "--help"], ["controlplane", "--help"], ["server", "--help"], ["--version"]]) {
    const r = await run(args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /flowctl|Usage/);
  }
});

Deno.test("cli: controlplane, server and run reject bad options as usage errors (exit 2)", async () => {
  const cases: [string[], RegExp][] = [
    [["controlplane", "--port", "http"], /--port needs a port number 0-65535, not "http"/],
    [["controlplane", "--port", "70000"], /--port needs a port number/],
    [["controlplane", "--heartbeat-ttl", "soon"], /--heartbeat-ttl needs a duration such as 30s or 1m, not "soon"/],
    [["controlplane", "--db", "x.db", "--in-memory"], /use --db PATH or --in-memory, not both/],
    [["controlplane", "extra"], /controlplane takes no arguments/],
    [["server", "--tls-cert", "c.pem"], /^flowctl: --tls-cert and --tls-key go together: give both, or neither/],
    [["server", "--tls-key=k.pem"], /--tls-cert and --tls-key go together/],
    [["server", "--port", "9090", "--tls-ca-cert", "ca.pem"], /--tls-ca-cert needs --tls-cert and --tls-key/],
    [["controlplane", "--tls-reload-interval", "5s"], /--tls-reload-interval needs --tls-cert and --tls-key/],
    [["controlplane", "--tls-cert", "c", "--tls-key", "k", "--tls-reload-interval", "often"], /--tls-reload-interval needs a duration/],
    [["tls", "certs"], /tls certs needs -f FILE/],
    [["tls", "certs", "-f", "fixtures/linear.yaml", "--days", "0"], /--days needs a whole number from 1 to 1825/],
    [["tls", "sign"], /unknown tls command "sign"/],
    [["controlplane", "health", "--cert", "c.pem"], /--cert and --key go together/],
    [["server", "--db-path", "x.db", "--no-persistence"], /use --db-path PATH or --no-persistence, not both/],
    [["server"], /HOME is not set: give --db-path PATH or --no-persistence/],
    [["server", "--db", "x.db"], /unknown option "--db"/],
    [["server", "--janitor-interval", "soon"], /--janitor-interval needs a duration such as 30s or 1m, not "soon"/],
    [["server", "--port", "http"], /--port needs a port number 0-65535, not "http"/],
    [["server", "extra"], /server takes no arguments, not "extra"/],
    [["run"], /run needs -f FILE/],
    [["run", "--max-restarts", "many", "fixtures/commands.yaml"], /--max-restarts needs an integer from 0 to 1000, not "many"/],
    [["run", "--namespace", "x", "fixtures/commands.yaml"], /unknown option "--namespace"/],
  ];
  for (const [args, pattern] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, pattern);
  }
});

Deno.test("cli: run reports an invalid pipeline or one the local target cannot run, and starts nothing (exit 1)", async () => {
  const r = await run(["run", "fixtures/anchors_merge.yaml"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^fixtures\/anchors_merge\.yaml:3:37 error E_PORT_CONFLICT: /m);
  const multi = await run(["run", "fixtures/multi_document.yaml"]);
  assert.equal(multi.code, 1);
  assert.match(multi.stderr, /holds 2 pipelines; run takes one/);
});

Deno.test("cli: translate --check exits 0 when DIR matches, 1 with a unified diff for missing, changed and extra files", async () => {
  const generated = await run(["translate", "-f", "fixtures/linear.yaml", "-t", "kubernetes", "--output-dir", "k8s"]);
  const files = generated.written.get("k8s")!;
  const tree = new Map(files.map((f) => [f.path, f.content]));
  const same = await run(["translate", "-f", "fixtures/linear.yaml", "-t", "kubernetes", "--output-dir", "k8s", "--check"], {}, "", tree);
  assert.equal(same.code, 0, same.stderr);
  assert.equal(same.written.size, 0, "check mode writes nothing");
  assert.match(same.stderr, /^k8s is up to date \(8 files\)$/m);

  const drifted = new Map(tree);
  drifted.delete("04-deployment-sink.yaml");
  drifted.set("03-service-source.yaml", tree.get("03-service-source.yaml")!.replace("port: 50051", "port: 50052"));
  drifted.set("stale.yaml", "kind: Old\n");
  const r = await run(["translate", "-f", "fixtures/linear.yaml", "-t", "kubernetes", "--output-dir", "k8s", "--check"], {}, "", drifted);
  assert.equal(r.code, 1);
  assert.equal(r.written.size, 0);
  assert.match(r.stderr, /03-service-source\.yaml \(changed\), 04-deployment-sink\.yaml \(missing\), stale\.yaml \(extra\)/);
  assert.match(r.stdout, /^--- a\/03-service-source\.yaml\n\+\+\+ b\/03-service-source\.yaml\n/m);
  assert.match(r.stdout, /^- {4}- port: 50052\n\+ {4}- port: 50051$/m);
  assert.match(r.stdout, /^--- \/dev\/null\n\+\+\+ b\/04-deployment-sink\.yaml$/m);
  assert.match(r.stdout, /^--- a\/stale\.yaml\n\+\+\+ \/dev\/null\n/m);

  const json = await run(["translate", "-f", "fixtures/linear.yaml", "-t", "kubernetes", "--output-dir", "k8s", "--check", "--format", "json"], {}, "", drifted);
  assert.deepEqual(JSON.parse(json.stdout).drift.map((d: { path: string; change: string }) => `${d.path}:${d.change}`), [
    "03-service-source.yaml:changed",
    "04-deployment-sink.yaml:missing",
    "stale.yaml:extra",
  ]);
  const alone = await run(["translate", "-f", "fixtures/linear.yaml", "--check"]);
  assert.equal(alone.code, 2, "--check needs --output-dir");
  assert.match(alone.stderr, /--check compares a folder with what would be written; give --output-dir DIR/);
});


Deno.test("cli: a file that is not UTF-8 is E_SYNTAX at the offending byte (exit 1), never read with U+FFFD", async () => {
  const text = new TextEncoder().encode("apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: \"caf");
  const bytes = new Uint8Array([...text, 0xe9, ...new TextEncoder().encode('"}\nspec: {sources: [{id: s, image: i}]}\n')]);
  for (const args of [["validate", "latin1.yaml"], ["translate", "-f", "latin1.yaml"]]) {
    const r = await run(args, { "latin1.yaml": bytes });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^latin1\.yaml:3:22 error E_SYNTAX: byte 0xE9 is not UTF-8/m);
    assert.equal(r.stdout, "");
  }
});

Deno.test("cli: server --help lists the Go server's flag names, TLS ones included", async () => {
  const r = await run(["server", "--help"]);
  assert.equal(r.code, 0);
  for (const flag of ["--port PORT", "--address ADDR", "--heartbeat-ttl", "--janitor-interval", "--db-path PATH", "--no-persistence"]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
  for (const flag of ["--tls-cert FILE", "--tls-key FILE", "--tls-ca-cert FILE", "--tls-reload-interval"]) assert.ok(r.stdout.includes(flag), flag);
  assert.match(r.stdout, /flowctl tls certs -f FILE --out DIR/);
  assert.match((await run(["--help"])).stdout, /^ {2}flowctl server \[--port 8080\]/m);
});
