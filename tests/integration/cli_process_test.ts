/** The CLI as a process, as users start it: `deno run cli.ts …`, with real files, sockets and exit codes. */
import assert from "node:assert/strict";
import { exec, ROOT } from "../support/helpers.ts";

Deno.test("cli: the real entry point runs as a subprocess", async () => {
  const deno = Deno.execPath();
  const p = await new Deno.Command(deno, {
    args: ["run", "--allow-read", "--allow-env", "--allow-write", "cli.ts", "validate", "fixtures/invalid/not_yaml.yaml"],
    cwd: new URL(".", ROOT).pathname,
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(p.stderr);
  assert.equal(p.code, 1);
  assert.match(stderr, /^fixtures\/invalid\/not_yaml\.yaml:4:1 error E_SYNTAX: /m);
});

Deno.test("cli: an output folder that cannot be written is an input error (exit 1), not an internal one", async () => {
  const p = await exec(Deno.execPath(), ["run", "-A", "cli.ts", "translate", "-f", "fixtures/fan_out.yaml", "--output-dir", "/proc/flowctl-nope"]);
  assert.equal(p.code, 1);
  assert.match(p.stderr, /^flowctl: cannot write into \/proc\/flowctl-nope: /);
  assert.doesNotMatch(p.stderr, /internal error/);
});

Deno.test("cli: controlplane on a port that is taken exits 1 with a message, not a stack trace", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const p = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli.ts", "controlplane", "--address", "127.0.0.1", "--port", "0", "--http-port", String(port), "--in-memory"],
      cwd: new URL(".", ROOT).pathname,
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(p.stderr);
    assert.equal(p.code, 1);
    assert.match(stderr, new RegExp(`^flowctl: cannot listen on 127\\.0\\.0\\.1:${port} for HTTP: `, "m"));
    assert.doesNotMatch(stderr, /at .*\.ts:\d+/);
  } finally {
    listener.close();
  }
});

Deno.test("cli: translate --check on a real directory (subprocess): 0 after translate, 1 after an edit", async () => {
  const dir = await Deno.makeTempDir();
  const flowctl = (...args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli.ts", "translate", "-f", "fixtures/fan_out.yaml", "-o", "local", "--output-dir", dir, ...args],
      cwd: new URL(".", ROOT).pathname,
      env: { NO_COLOR: "1" },
    }).output();
  assert.equal((await flowctl()).code, 0);
  assert.equal((await flowctl("--check")).code, 0);
  await Deno.writeTextFile(`${dir}/run.sh`, "# edited\n", { append: true });
  const drifted = await flowctl("--check");
  assert.equal(drifted.code, 1);
  assert.match(new TextDecoder().decode(drifted.stdout), /^-# edited$/m);
  assert.match(await Deno.readTextFile(`${dir}/run.sh`), /# edited\n$/, "check mode left the file alone");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli: --output-dir writes all files or none: one file that cannot be written leaves no file and no temporary behind", async () => {
  const dir = await Deno.makeTempDir();
  // A directory where a temporary file must go: that one write fails, after others have been written.
  await Deno.mkdir(`${dir}/04-deployment-sink.yaml.flowctl-tmp`);
  const p = await exec(Deno.execPath(), ["run", "-A", "cli.ts", "translate", "-f", "fixtures/linear.yaml", "-o", "kubernetes", "--output-dir", dir]);
  assert.equal(p.code, 1, p.stderr);
  assert.match(p.stderr, new RegExp(`^flowctl: cannot write into ${dir}: `, "m"));
  const left = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.deepEqual(left, ["04-deployment-sink.yaml.flowctl-tmp"], "nothing else: no file, no temporary");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli: --to-file writes one file on disk (run.sh executable), as stdout would print it; -o DIR is refused before anything is read", async () => {
  const dir = await Deno.makeTempDir();
  const flowctl = (...args: string[]) => exec(Deno.execPath(), ["run", "-A", "cli.ts", "translate", "-f", "fixtures/fan_out.yaml", ...args]);
  const printed = await flowctl("-o", "local");
  assert.equal(printed.code, 0, printed.stderr);
  const written = await flowctl("-o", "local", "--to-file", `${dir}/sub/run.sh`);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(written.stdout, "");
  assert.equal(await Deno.readTextFile(`${dir}/sub/run.sh`), printed.stdout);
  assert.equal((await Deno.stat(`${dir}/sub/run.sh`)).mode! & 0o111, 0o111, "run.sh is executable");
  assert.deepEqual([...Deno.readDirSync(`${dir}/sub`)].map((e) => e.name), ["run.sh"], "no temporary left, no env file beside it");

  const refused = await flowctl("-o", dir);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^flowctl: -o names a target now, and ".*" is none .*; to write files, use --output-dir DIR \(or --to-file FILE\)$/m);
  const unwritable = await flowctl("--to-file", "/proc/flowctl-nope/compose.yaml");
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.stderr, /^flowctl: cannot write \/proc\/flowctl-nope\/compose\.yaml: /);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("dist/flowctl.js: validate of unchanged files replays the first run without starting CUE; a change is checked afresh", async () => {
  const cache = await Deno.makeTempDir();
  const dir = await Deno.makeTempDir();
  const file = `${dir}/p.yaml`;
  await Deno.copyFile(new URL("fixtures/invalid/schema_errors.yaml", ROOT), file);
  const validate = (...args: string[]) =>
    exec(Deno.execPath(), ["run", "--allow-read", "--allow-write", "--allow-env", "dist/flowctl.js", "validate", ...args, file], {
      env: { FLOWCTL_CACHE_DIR: cache },
    });
  const first = await validate();
  assert.equal(first.code, 1);
  assert.match(first.stderr, /E_UNKNOWN_KEY: unknown key "nmae"/);
  await Deno.remove(`${cache}/cue`, { recursive: true }); // CUE's answers: a run that starts CUE writes them again
  assert.deepEqual(await validate(), first);
  assert.equal(await Deno.stat(`${cache}/cue`).then(() => true, () => false), false, "the replay started CUE");
  // The source run (cli.ts) gives the same output.
  const source = await exec(Deno.execPath(), ["run", "-A", "cli.ts", "validate", "--no-cache", file]);
  assert.deepEqual(source, first);

  await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace("nmae", "name"));
  const changed = await validate();
  assert.doesNotMatch(changed.stderr, /nmae/);
  assert.equal(await Deno.stat(`${cache}/cue`).then(() => true, () => false), true);

  // --no-cache and FLOWCTL_NO_CACHE neither read nor write either cache.
  const empty = await Deno.makeTempDir();
  for (const [args, env] of [[["--no-cache"], {}], [[], { FLOWCTL_NO_CACHE: "1" }]] as const) {
    const p = await exec(Deno.execPath(), ["run", "--allow-read", "--allow-write", "--allow-env", "dist/flowctl.js", "validate", ...args, file], {
      env: { FLOWCTL_CACHE_DIR: empty, ...env },
    });
    assert.deepEqual(p, changed);
    // Only the unzipped module (cue-<hash>.wasm) may be there: no answers (cue/), no runs (runs/).
    assert.deepEqual([...Deno.readDirSync(empty)].map((e) => e.name).filter((n) => !n.endsWith(".wasm")), []);
  }
});
