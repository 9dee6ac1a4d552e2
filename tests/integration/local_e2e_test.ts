/**
 * End to end: the local target runs fixtures/e2e/pipeline.yaml — a source, a
 * processor and two sinks (Deno scripts that register with the control plane
 * over gRPC, heartbeat, and find their upstreams only in FLOWCTL_INPUT_*) —
 * with the bundled control plane. The processor is killed mid-stream and must
 * come back; every record must reach both sinks exactly once; SIGTERM must
 * leave no process behind. Then the same through `flowctl run`.
 */
import assert from "node:assert/strict";
import { main } from "../../cli/main.ts";
import { compile } from "../../translate/compile.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { TLS_FILES } from "../../generators/shared/tls_files.ts";
import { loadCue } from "../../host/cue_wasm.ts";
import { denoIo } from "../../host/deno_io.ts";
import { cue, processesWithEnv, ROOT, until } from "../support/helpers.ts";

const COUNT = 150;
const HTTP = 39199;
const root = new URL(".", ROOT).pathname;

interface Service {
  service_id: string;
  status: string;
  metrics: Record<string, string>;
}

async function services(): Promise<Service[]> {
  try {
    const res = await fetch(`http://127.0.0.1:${HTTP}/api/services`);
    return (await res.json()).services;
  } catch {
    return [];
  }
}

const lines = async (path: string) => (await Deno.readTextFile(path).catch(() => "")).split("\n").filter(Boolean);

function env(outDir: string): Record<string, string> {
  return {
    OUT_DIR: outDir,
    PATH: `${root}node_modules/.bin:${Deno.env.get("PATH")}`,
    NO_COLOR: "1",
    FLOWCTL: `${root}scripts/flowctl`,
  };
}

/** Collects a child's output while it runs. */
function collect(stream: ReadableStream<Uint8Array>): { text: () => string; done: Promise<void> } {
  let text = "";
  const decoder = new TextDecoder();
  const done = (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  })();
  return { text: () => text, done };
}

async function checkSinks(outDir: string) {
  for (const sink of ["sink-a", "sink-b"]) {
    const records = (await lines(`${outDir}/${sink}.jsonl`)).map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => r.seq), Array.from({ length: COUNT }, (_, i) => i + 1), `${sink} got every record once, in order`);
    for (const r of records) {
      assert.equal(r.value, r.seq * 10);
      assert.deepEqual(r.by, ["source", "processor"]);
    }
  }
}

/** The e2e pipeline (changed by `edit`) translated to run.sh in outDir, its control plane's HTTP on HTTP. */
async function writeRunSh(outDir: string, edit = (text: string) => text): Promise<string> {
  const text = edit(await Deno.readTextFile(new URL("fixtures/e2e/pipeline.yaml", ROOT)));
  const result = compile(text, {
    filename: "fixtures/e2e/pipeline.yaml",
    cue: await cue(),
    registry: defaultRegistry(),
    generatorOptions: { "control-plane-http-port": HTTP },
  });
  assert.deepEqual(result.diagnostics, []);
  const runSh = `${outDir}/run.sh`;
  await Deno.writeTextFile(runSh, result.files[0].content, { mode: 0o755 });
  return runSh;
}

Deno.test("local e2e: run.sh runs the pipeline, restarts a killed processor, loses nothing, and stops cleanly", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "flowctl-e2e-" });
  const runSh = await writeRunSh(outDir);

  const child = new Deno.Command(runSh, { cwd: root, env: env(outDir), stdout: "piped", stderr: "piped" }).spawn();
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  try {
    await until("all four components healthy", async () => (await services()).filter((s) => s.status === "HEALTHY").length === 4);
    await until("records flowing to sink-a", async () => (await lines(`${outDir}/sink-a.jsonl`)).length >= 20);

    const before = (await services()).find((s) => s.service_id === "times-ten")!;
    Deno.kill(Number(before.metrics.pid), "SIGKILL");
    await until("the processor restarted", async () => {
      const now = (await services()).find((s) => s.service_id === "times-ten");
      return now !== undefined && now.metrics.pid !== before.metrics.pid && now.status === "HEALTHY";
    });
    assert.match(stderr.text(), /times-ten exited with status 137; restart 1 of 5 in 1s/);

    await until("every record in both sinks", async () =>
      (await lines(`${outDir}/sink-a.jsonl`)).length >= COUNT && (await lines(`${outDir}/sink-b.jsonl`)).length >= COUNT);
    await checkSinks(outDir);

    const all = await services();
    assert.deepEqual(all.map((s) => `${s.service_id}:${s.status}`), [
      "numbers:HEALTHY",
      "sink-a:HEALTHY",
      "sink-b:HEALTHY",
      "times-ten:HEALTHY",
    ]);
    assert.equal((await (await fetch(`http://127.0.0.1:${HTTP}/health`)).json()).pipeline, "healthy");

    // The source wrote what it received: arguments and env, byte for byte.
    const echo = JSON.parse(await Deno.readTextFile(`${outDir}/echo.json`));
    assert.deepEqual(echo.args, ["it's \"quoted\" $HOME `date` ; echo injected", "two\nlines", ""]);
    assert.equal(echo.tricky, "$(touch /tmp/flowctl-injected) 'single' \"double\" `id` ; | & \\ \n end");

    assert.match(await Deno.readTextFile(`${outDir}/logs/numbers.log`), /^registered as numbers, pid \d+$/m);
    assert.match(stdout.text(), /^\[sink-b\] registered as sink-b, pid \d+$/m);
  } finally {
    child.kill("SIGTERM");
  }
  const status = await child.status;
  await Promise.all([stdout.done, stderr.done]);
  assert.equal(status.code, 143);
  assert.match(stderr.text(), /flowctl: stopped/);
  assert.deepEqual(await processesWithEnv(`OUT_DIR=${outDir}`), [], "no process of the run is left");
  await checkSinks(outDir); // and the stop lost nothing
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("local e2e: flowctl run does the same with its embedded control plane, writing no files but logs", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "flowctl-run-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${root}cli.ts`, "run", "--log-dir", `${outDir}/logs`, "--state-dir", `${outDir}/state`,
      "--control-plane-http-port", String(HTTP), "fixtures/e2e/pipeline.yaml"],
    cwd: root,
    env: env(outDir),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  try {
    await until("every record in both sinks", async () =>
      (await lines(`${outDir}/sink-a.jsonl`)).length >= COUNT && (await lines(`${outDir}/sink-b.jsonl`)).length >= COUNT);
    await checkSinks(outDir);
    assert.equal((await services()).filter((s) => s.status === "HEALTHY").length, 4);
  } finally {
    child.kill("SIGTERM");
  }
  const status = await child.status;
  await Promise.all([stdout.done, stderr.done]);
  assert.equal(status.code, 143, stderr.text());
  assert.deepEqual(await processesWithEnv(`OUT_DIR=${outDir}`), []);
  const written = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
  assert.deepEqual(written, ["echo.json", "logs", "sink-a.jsonl", "sink-b.jsonl", "state"]);
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("local e2e: the fixture runs from the repository root exactly as its header says", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/e2e/pipeline.yaml", ROOT));
  const command = /^# {3}(PATH=.* scripts\/flowctl run .*)$/m.exec(text)?.[1];
  assert(command, "the header gives the command");
  const outDir = `${root}out/e2e`;
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  const marker = `FLOWCTL_E2E_RUN=${crypto.randomUUID()}`;
  // The user's environment: no OUT_DIR, no FLOWCTL; only a marker to find leftover processes by.
  const env = { PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME") ?? "/tmp", NO_COLOR: "1", FLOWCTL_E2E_RUN: marker.split("=")[1] };
  const child = new Deno.Command("bash", { args: ["-c", `exec env ${command}`], cwd: root, clearEnv: true, env, stdout: "piped", stderr: "piped" })
    .spawn();
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  try {
    await until("every record in both sinks", async () =>
      (await lines(`${outDir}/sink-a.jsonl`)).length >= COUNT && (await lines(`${outDir}/sink-b.jsonl`)).length >= COUNT);
    await checkSinks(outDir);
  } finally {
    child.kill("SIGTERM");
  }
  const status = await child.status;
  await Promise.all([stdout.done, stderr.done]);
  assert.equal(status.code, 143, stderr.text());
  assert.doesNotMatch(stderr.text(), /exited with status/, "no component crashed on the way");
  assert.deepEqual(await processesWithEnv(marker), []);
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("local e2e: with mutual TLS every component registers with its own certificate, and only the operator reads the list", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "flowctl-e2e-tls-" });
  const tlsDir = `${outDir}/tls`;
  const said: string[] = [];
  const io = { ...denoIo(() => loadCue()), stdout: (t: string) => void said.push(t), stderr: (t: string) => void said.push(t) };
  assert.equal(await main(["tls", "certs", "-f", "fixtures/e2e/pipeline.yaml", "--out", tlsDir], io), 0, said.join(""));
  const runSh = await writeRunSh(outDir, (text) => text.replace("heartbeatTTL: 3s\n", "heartbeatTTL: 3s\n    tls: {}\n"));
  const child = new Deno.Command(runSh, { cwd: root, env: { ...env(outDir), FLOWCTL_TLS_DIR: tlsDir }, stdout: "piped", stderr: "piped" })
    .spawn();
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const read = (name: string) => Deno.readTextFileSync(`${tlsDir}/${name}`);
  const asOperator = Deno.createHttpClient({ caCerts: [read(TLS_FILES.ca)], cert: read(TLS_FILES.operator), key: read(TLS_FILES.operatorKey) });
  const get = async (path: string, client?: Deno.HttpClient) => {
    try {
      const r = await fetch(`https://localhost:${HTTP}${path}`, { client });
      return { status: r.status, text: await r.text() };
    } catch (err) {
      return { status: 0, text: String(err) };
    }
  };
  try {
    await until("every record in both sinks", async () =>
      (await lines(`${outDir}/sink-a.jsonl`)).length >= COUNT && (await lines(`${outDir}/sink-b.jsonl`)).length >= COUNT);
    await checkSinks(outDir);
    const listed = JSON.parse((await get("/api/services", asOperator)).text).services as Service[];
    assert.deepEqual(listed.map((s) => `${s.service_id}:${s.status}`), ["numbers:HEALTHY", "sink-a:HEALTHY", "sink-b:HEALTHY", "times-ten:HEALTHY"]);
    const metrics = (await get("/metrics", asOperator)).text;
    assert.doesNotMatch(metrics, /^flowctl_permission_denied_total\{/m, "no component was refused anything");
    assert.match(metrics, /flowctl_grpc_calls_total\{method="flowctl.v1.ControlPlaneService\/Heartbeat",code="OK"\} [1-9]/);
    // Without the operator's certificate the list is refused; /health is open; plain HTTP gets nothing.
    const anonymous = Deno.createHttpClient({ caCerts: [read(TLS_FILES.ca)] });
    assert.equal((await get("/api/services", anonymous)).status, 403);
    assert.equal((await get("/health", anonymous)).status, 200);
    anonymous.close();
    await assert.rejects(fetch(`http://127.0.0.1:${HTTP}/api/services`));
  } finally {
    asOperator.close();
    child.kill("SIGTERM");
  }
  const status = await child.status;
  await Promise.all([stdout.done, stderr.done]);
  assert.equal(status.code, 143, stderr.text());
  assert.match(stderr.text() + stdout.text(), /mutual TLS on both ports/);
  assert.deepEqual(await processesWithEnv(`OUT_DIR=${outDir}`), []);
  await Deno.remove(outDir, { recursive: true });
});
