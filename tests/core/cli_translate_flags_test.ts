/**
 * translate's flags as the Go flowctl had them: `-o TARGET` prints the
 * target's output (`-t` is the same), `--to-file FILE` writes it, `--prefix`
 * and `--registry` reach every target; files go to `--output-dir DIR`, and a
 * value of -o that names no target says so. In process, through main(args, io).
 */
import assert from "node:assert/strict";
import { type Run, runCli } from "../support/memory_io.ts";

const run = (args: string[], files: Record<string, string> = {}): Promise<Run> => runCli(["translate", ...args], files);
const linear = ["-f", "fixtures/linear.yaml"];

Deno.test("translate -o TARGET prints that target's output, as the Go flowctl did; -t, --output and --target are the same", async () => {
  const compose = await run([...linear, "-o", "docker-compose"]);
  assert.equal(compose.code, 0, compose.stderr);
  assert.match(compose.stdout, /^name: linear\nservices:\n/m);
  assert.equal(compose.written.size, 0, "nothing is written: no folder named docker-compose");
  for (const flag of ["-t", "--output", "--target", "--output=docker-compose"]) {
    const same = await run(flag.includes("=") ? [...linear, flag] : [...linear, flag, "docker-compose"]);
    assert.equal(same.stdout, compose.stdout, flag);
  }
  for (const k8s of ["kubernetes", "k8s"]) {
    const r = await run([...linear, "-o", k8s]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^apiVersion: v1\nkind: PersistentVolumeClaim\n/, "Kubernetes objects, not a compose file");
    assert.ok(r.stdout.split("\n---\n").length > 3, "one multi-document stream");
  }
  const nomad = await run([...linear, "-o", "nomad"]);
  assert.match(nomad.stdout, /^job "linear" \{$/m);
  const local = await run(["-f", "fixtures/commands.yaml", "-o", "local"]);
  assert.match(local.stdout, /^#!\/usr\/bin\/env bash\n/);
});

Deno.test("translate: a value of -o that is not a target is a usage error that says to use --output-dir or --to-file", async () => {
  for (const value of ["out/", "./build", "k8s.yaml", "out", "kubernetes,out", ""]) {
    const r = await run([...linear, "-o", value]);
    assert.equal(r.code, 2, value);
    assert.equal(r.written.size, 0);
    const named = value.includes(",") ? "out" : value;
    assert.match(
      r.stderr,
      new RegExp(
        `^flowctl: -o names a target now, and ${JSON.stringify(named).replaceAll(".", "\\.")} is none ` +
          "\\(docker-compose, kubernetes, local, nomad, an alias such as k8s, or all\\); to write files, use --output-dir DIR \\(or --to-file FILE\\)\\n",
      ),
      value,
    );
  }
  // -t keeps its own message: it always named targets.
  const t = await run([...linear, "-t", "out"]);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /unknown target "out"; targets: docker-compose, kubernetes, local, nomad/);
  const both = await run([...linear, "-o", "nomad", "-t", "kubernetes"]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /-o and -t both choose the targets; give one of them/);
  // The older spelling, -t TARGET -o DIR, learns where folders go now.
  const older = await run([...linear, "-t", "nomad", "-o", "deploy/", "--check"]);
  assert.equal(older.code, 2);
  assert.match(older.stderr, /-o names a target now, and "deploy\/" is none .*use --output-dir DIR/);
});

Deno.test("translate --output-dir writes the files, DIR/<target>/ for several targets; -o chooses them", async () => {
  const one = await run([...linear, "-o", "nomad", "--output-dir", "deploy"]);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(one.written.get("deploy")!.map((f) => f.path), ["linear.nomad.hcl"]);
  assert.equal(one.stdout, "");
  assert.match(one.stderr, /^wrote 1 file to deploy: linear\.nomad\.hcl$/m);
  const two = await run([...linear, "-o", "k8s,nomad", "--output-dir=deploy"]);
  assert.equal(two.code, 0, two.stderr);
  const paths = two.written.get("deploy")!.map((f) => f.path);
  assert.ok(paths.includes("nomad/linear.nomad.hcl"));
  assert.ok(paths.some((p) => p.startsWith("kubernetes/04-deployment-")));
});

Deno.test("translate --to-file FILE writes what stdout would get, through the all-or-nothing writer", async () => {
  const printed = await run([...linear, "-o", "docker-compose"]);
  const compose = await run([...linear, "-o", "docker-compose", "--to-file", "deploy/compose.yaml"]);
  assert.equal(compose.code, 0, compose.stderr);
  assert.equal(compose.stdout, "");
  assert.deepEqual(compose.written.get("deploy"), [{ path: "compose.yaml", content: printed.stdout }]);
  assert.equal(compose.stderr, "wrote deploy/compose.yaml (docker-compose: docker-compose.yaml)\n");

  // Kubernetes: every object in one multi-document file, as on stdout.
  const k8sOut = await run([...linear, "-o", "k8s"]);
  const k8s = await run([...linear, "-o", "k8s", "--to-file", "linear.yaml"]);
  assert.deepEqual(k8s.written.get("."), [{ path: "linear.yaml", content: k8sOut.stdout }]);
  assert.match(k8s.stderr, /^wrote linear\.yaml \(kubernetes: 8 files as one stream\)$/m);

  // run.sh stays executable; an absolute path is written in its own folder.
  const local = await run(["-f", "fixtures/commands.yaml", "-o", "local", "--to-file", "/srv/run.sh"]);
  const [script] = local.written.get("/srv")!;
  assert.equal(script.path, "run.sh");
  assert.equal(script.executable, true);
  const root = await run([...linear, "--to-file", "/compose.yaml"]);
  assert.deepEqual(root.written.get("/")!.map((f) => f.path), ["compose.yaml"]);

  // --format json names the file and lists what went into it.
  const json = await run([...linear, "-o", "k8s", "--to-file", "out.yaml", "--format", "json"]);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.toFile, "out.yaml");
  assert.ok(parsed.targets[0].files.every((f: { path: string; content?: string }) => f.content === undefined));

  // Errors: nothing written, exit 1.
  const broken = await run(["-f", "fixtures/invalid/compose_command_only.yaml", "--to-file", "c.yaml"]);
  assert.equal(broken.code, 1);
  assert.equal(broken.written.size, 0);
});

Deno.test("translate --to-file refuses what is not one file, saying to use --output-dir", async () => {
  const cases: [string[], RegExp][] = [
    [[...linear, "-o", "k8s,nomad", "--to-file", "x.yaml"], /several targets write several files; use --output-dir DIR/],
    [[...linear, "-o", "all", "--to-file", "x.yaml"], /several targets write several files; use --output-dir DIR/],
    [["-f", "fixtures/multi_document.yaml", "--to-file", "x.yaml"], /target docker-compose writes 2 files .*; use --output-dir DIR/],
    [[...linear, "-o", "nomad", "--nomad-json", "--to-file", "x.hcl"], /target nomad writes 2 files \(linear\.nomad\.hcl, linear\.nomad\.json\); use --output-dir DIR/],
    [[...linear, "--to-file", "out/"], /--to-file names a file, and "out\/" is a folder; to write into a folder, use --output-dir DIR/],
    [[...linear, "--to-file", "out/.."], /--to-file names a file, and "out\/\.\." is a folder/],
    [[...linear, "--to-file", "x.yaml", "--output-dir", "out"], /give --output-dir DIR or --to-file FILE, not both/],
    [[...linear, "--to-file", "x.yaml", "--check"], /--check compares a folder with what would be written; give --output-dir DIR/],
  ];
  for (const [args, pattern] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.written.size, 0, args.join(" "));
    assert.match(r.stderr, pattern, args.join(" "));
  }
});

Deno.test("translate --prefix and --registry reach the output of every target; bad values are usage errors in flag words", async () => {
  const flags = ["--prefix", "dev", "--registry", "registry.example.com/acme"];
  const fixture = ["-f", "fixtures/with_flags/prefix_registry.yaml"];
  const compose = await run([...fixture, ...flags]);
  assert.equal(compose.code, 0, compose.stderr);
  assert.match(compose.stdout, /^name: dev-ledger\n/m);
  assert.match(compose.stdout, /image: registry\.example\.com\/acme\/postgres:16\n/);
  const k8s = await run([...fixture, ...flags, "-o", "k8s"]);
  assert.match(k8s.stdout, /^ {2}name: dev-postgres$/m);
  const all = await run([...fixture, ...flags, "-o", "all", "--output-dir", "out", "--format", "json"]);
  assert.equal(all.code, 0, all.stderr);
  const paths = all.written.get("out")!.map((f) => f.path);
  assert.ok(paths.includes("nomad/dev-ledger.nomad.hcl"));
  assert.ok(paths.includes("kubernetes/02-persistentvolumeclaim-dev-pgdata.yaml"));
  assert.match(all.written.get("out")!.find((f) => f.path === "local/run.sh")!.content, /--name flowctl-dev-ledger-postgres /);

  const cases: [string[], RegExp][] = [
    [["--prefix", "Dev"], /^flowctl: --prefix "Dev" cannot start names on every target: use lower-case letters/],
    [["--prefix", "dev_1"], /--prefix "dev_1" cannot start names/],
    [["--registry", "ghcr.io/Acme"], /^flowctl: --registry "ghcr\.io\/Acme" is not a registry to put before image names/],
    [["--prefix"], /option --prefix needs a value/],
    [["--control-plane-image", "Not An Image"], /^flowctl: --control-plane-image "Not An Image" is not an image reference/],
  ];
  for (const [args, pattern] of cases) {
    const r = await run([...linear, ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, pattern);
  }
});

Deno.test("translate --help names the new flags and what --prefix changes in each target", async () => {
  const r = await run(["--help"]);
  assert.equal(r.code, 0);
  for (const text of ["-o, --output TARGET", "-t, --target TARGET", "--output-dir DIR", "--to-file FILE", "--prefix P", "--registry R"]) {
    assert.ok(r.stdout.includes(text), text);
  }
  assert.match(r.stdout, /^ {2}kubernetes {6}every object but the Namespace is <prefix>-<name>/m);
});
