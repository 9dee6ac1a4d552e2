/**
 * The local target's run.sh, run for real with small shell components (no
 * control plane, so each test takes seconds): values arrive byte for byte,
 * crashed components restart with backoff up to the limit, a health endpoint
 * that never answers stops the pipeline, SIGTERM stops components in reverse
 * start order, Ctrl-C restarts nothing, and image components reach docker with the right argv and env.
 */
import assert from "node:assert/strict";
import { compile } from "../../translate/compile.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import type { GeneratorOptions } from "../../generators/generator.ts";
import { cue, processesWithEnv, until } from "../support/helpers.ts";
import { shellErrors } from "../support/shell_check.ts";

const registry = defaultRegistry();

interface Script {
  dir: string;
  path: string;
  content: string;
}

async function script(yaml: string, generatorOptions: GeneratorOptions = {}): Promise<Script> {
  const result = compile(yaml, { filename: "test.yaml", cue: await cue(), target: "local", registry, generatorOptions });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error"), []);
  const dir = await Deno.makeTempDir({ prefix: "flowctl-local-" });
  const path = `${dir}/run.sh`;
  await Deno.writeTextFile(path, result.files[0].content, { mode: 0o755 });
  assert.deepEqual(await shellErrors("run.sh", result.files[0].content), []);
  return { dir, path, content: result.files[0].content };
}

function start(s: Script, env: Record<string, string> = {}) {
  return new Deno.Command(s.path, { env: { OUT_DIR: s.dir, ...env }, stdout: "piped", stderr: "piped" }).spawn();
}

async function finish(child: Deno.ChildProcess) {
  const out = await child.output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

const TRICKY = [
  `it's "quoted" $HOME \`id\` $(touch /tmp/flowctl-pwned) ; rm -rf / | cat & \\ end`,
  "two\nlines\ttab",
  "",
  "--not-a-flag=$((1+1))",
  "ünïcödé ✓",
];

const header = (extra = "") => `apiVersion: flowctl/v1
kind: Pipeline
metadata: {name: local-test}
spec:
  controlPlane: {enabled: false}
${extra}`;

Deno.test("local: ids, env values and args reach the process byte for byte; nothing is run as shell code", async () => {
  const s = await script(header(`  sources:
    - id: ${JSON.stringify(`it's $(x) "q" \`y\`; z`)}
      command: [bash, -c, 'printf "%s\\0" "$@" > "$OUT_DIR/args"; printf "%s" "$TRICKY" > "$OUT_DIR/env"', probe]
      args: ${JSON.stringify(TRICKY)}
      env:
        TRICKY: ${JSON.stringify(TRICKY.join("|"))}
`));
  const r = await finish(start(s));
  assert.equal(r.code, 0, r.stderr);
  const args = (await Deno.readTextFile(`${s.dir}/args`)).split("\0").slice(0, -1);
  assert.deepEqual(args, TRICKY);
  assert.equal(await Deno.readTextFile(`${s.dir}/env`), TRICKY.join("|"));
  assert.equal(await exists("/tmp/flowctl-pwned"), false);
  // The log is named after the id made safe for a file name.
  const logs = [...Deno.readDirSync(`${s.dir}/logs`)].map((e) => e.name);
  assert.deepEqual(logs, ["it-s-x-q-y-z.log"]);
  await Deno.remove(s.dir, { recursive: true });
});

Deno.test("local: a crashing component is restarted with backoff, then given up on; run.sh exits 1", async () => {
  const s = await script(
    header(`  sources:
    - id: crasher
      command: [sh, -c, 'echo "attempt"; exit 3']
`),
    { "max-restarts": 2 },
  );
  const began = Date.now();
  const r = await finish(start(s));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /crasher exited with status 3; restart 1 of 2 in 1s/);
  assert.match(r.stderr, /crasher exited with status 3; restart 2 of 2 in 2s/);
  assert.match(r.stderr, /not restarted again after 2 restarts/);
  assert(Date.now() - began >= 3000, "waited 1 s, then 2 s, between attempts");
  assert.equal(await Deno.readTextFile(`${s.dir}/logs/crasher.log`), "attempt\nattempt\nattempt\n");
  assert.equal(r.stdout, "[crasher] attempt\n".repeat(3));
  await Deno.remove(s.dir, { recursive: true });
});

Deno.test("local: a health endpoint that never answers stops the pipeline before its downstream starts", async () => {
  const s = await script(
    header(`  sources:
    - id: silent
      command: [sh, -c, 'while :; do sleep 1; done']
      health_check: /health
      health_port: 39281
  sinks:
    - id: after
      command: [sh, -c, 'touch "$OUT_DIR/after-started"']
      inputs: [silent]
`),
    { "health-timeout": 1 },
  );
  const r = await finish(start(s));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /silent did not answer http:\/\/127\.0\.0\.1:39281\/health within 1s; stopping/);
  assert.equal(await exists(`${s.dir}/after-started`), false);
  await Deno.remove(s.dir, { recursive: true });
});

Deno.test("local: SIGTERM stops the components in reverse start order, and every process is gone", async () => {
  const component = (id: string, inputs = "") => `
    - id: ${id}
      command: [bash, -c, 'echo $$ >> "$OUT_DIR/pids"; trap "echo ${id} >> \\"\\$OUT_DIR/stopped\\"; exit 0" TERM; while :; do sleep 0.1; done']${inputs}`;
  const s = await script(header(`  sources:${component("first")}
  processors:${component("second", "\n      inputs: [first]")}
  sinks:${component("third", "\n      inputs: [second]")}
`));
  const child = start(s);
  await until("three components", async () => (await Deno.readTextFile(`${s.dir}/pids`).catch(() => "")).split("\n").length > 3);
  child.kill("SIGTERM");
  const r = await finish(child);
  assert.equal(r.code, 143);
  assert.match(r.stderr, /terminated, stopping/);
  assert.equal(await Deno.readTextFile(`${s.dir}/stopped`), "third\nsecond\nfirst\n");
  // Nothing that run.sh started is left (matched by the env every descendant inherits).
  const left = await processesWithEnv(`OUT_DIR=${s.dir}`);
  assert.deepEqual(left, []);
  await Deno.remove(s.dir, { recursive: true });
});

Deno.test("local: Ctrl-C stops the pipeline in order, and restarts nothing, even components Ctrl-C itself ended", async () => {
  // A terminal sends SIGINT to the whole process group: run.sh, its supervisors and every
  // component. "quits" exits on SIGINT as many programs do; "stays" leaves it to run.sh and
  // takes a second to stop, so run.sh is still stopping it when "quits" has ended.
  const quits = `${JSON.stringify(Deno.execPath())}, eval, 'Deno.addSignalListener("SIGINT", () => Deno.exit(130)); await Deno.writeTextFile(Deno.env.get("OUT_DIR") + "/pids", Deno.pid + "\\n", {append: true}); setInterval(() => {}, 1000)'`;
  const stays = `bash, -c, 'echo $$ >> "$OUT_DIR/pids"; trap "sleep 1; echo stays >> \\"\\$OUT_DIR/stopped\\"; exit 0" TERM; while :; do sleep 0.1; done'`;
  const s = await script(header(`  sources:
    - id: quits
      command: [${quits}]
  sinks:
    - id: stays
      command: [${stays}]
      inputs: [quits]
`));
  // setsid: run.sh leads a process group of its own, as in a terminal.
  const child = new Deno.Command("setsid", { args: [s.path], env: { OUT_DIR: s.dir }, stdout: "piped", stderr: "piped" }).spawn();
  await until("both components", async () => (await Deno.readTextFile(`${s.dir}/pids`).catch(() => "")).split("\n").length > 2);
  Deno.kill(-child.pid, "SIGINT");
  const r = await finish(child);
  assert.equal(r.code, 130);
  assert.doesNotMatch(r.stderr, /restart/);
  assert.match(r.stderr, /interrupted, stopping\nflowctl: stopped\n$/);
  assert.equal(await Deno.readTextFile(`${s.dir}/stopped`), "stays\n", "the component that ignores SIGINT got run.sh's SIGTERM");
  assert.equal((await Deno.readTextFile(`${s.dir}/pids`)).split("\n").length, 3, "nothing was started twice");
  assert.deepEqual(await processesWithEnv(`OUT_DIR=${s.dir}`), []);
  await Deno.remove(s.dir, { recursive: true });
});

Deno.test("local: an image component reaches docker run with its argv, env, volumes and host network", async () => {
  const s = await script(header(`  sources:
    - id: img
      image: example/img:1
      command: [/bin/entry, --flag]
      args: ["a b", "$HOME"]
      env: {GREETING: "hi 'there' $USER"}
      volumes:
        - {name: data, mountPath: /data}
        - {name: cfg, mountPath: /cfg, host_path: ./config, readonly: true}
`));
  const bin = `${s.dir}/bin`;
  await Deno.mkdir(bin);
  // A stand-in for docker: records its argv and the env it was told to pass with -e.
  await Deno.writeTextFile(
    `${bin}/docker`,
    `#!/usr/bin/env bash
if [[ $1 == rm ]]; then printf '%s\\n' "$*" >> "$OUT_DIR/docker-rm"; exit 0; fi
printf '%s\\0' "$@" > "$OUT_DIR/docker-argv"
printf '%s' "$GREETING" > "$OUT_DIR/docker-env"
`,
    { mode: 0o755 },
  );
  const r = await finish(start(s, { PATH: `${bin}:${Deno.env.get("PATH")}` }));
  assert.equal(r.code, 0, r.stderr);
  const argv = (await Deno.readTextFile(`${s.dir}/docker-argv`)).split("\0").slice(0, -1);
  assert.deepEqual(argv, [
    "run", "--rm", "--network", "host", "--name", "flowctl-local-test-img",
    "-e", "GREETING",
    "-v", "local-test_data:/data", "-v", `${s.dir}/config:/cfg:ro`,
    "--entrypoint", "/bin/entry", "example/img:1", "--flag", "a b", "$HOME",
  ]);
  assert.equal(await Deno.readTextFile(`${s.dir}/docker-env`), "hi 'there' $USER");
  assert.equal(await Deno.readTextFile(`${s.dir}/docker-rm`), "rm -f flowctl-local-test-img\n");
  await Deno.remove(s.dir, { recursive: true });
});

Deno.test("local: ports two components share, or share with the control plane, are errors at translate time", async () => {
  const result = compile(
    `apiVersion: flowctl/v1
kind: Pipeline
metadata: {name: clash}
spec:
  sources:
    - id: a
      command: [a]
      ports: [{containerPort: 9000}]
    - id: b
      command: [b]
      health_check: /health
      health_port: 9000
    - id: c
      command: [c]
      env: {PORT: "8080"}
  sinks:
    - id: d
      command: [d]
      inputs: [a, b, c]
      replicas: 0
      ports: [{containerPort: 9000}]
`,
    { filename: "clash.yaml", cue: await cue(), target: "local", registry },
  );
  const clashes = result.diagnostics.filter((d) => d.code === "E_PORT_CONFLICT").map((d) => `${d.line}:${d.column} ${d.message}`);
  assert.deepEqual(clashes, [
    `12:20 "b" listens on port 9000, which "a" uses; on the local target all components share this machine's ports`,
    `15:19 "c" listens on port 8080, which the control plane uses; on the local target all components share this machine's ports`,
  ]);
  assert.deepEqual(result.files, []);
});
