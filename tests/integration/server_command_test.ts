/**
 * `flowctl server` as a process, with the Go flowctl server's flag names:
 * each one reaches the control plane (a silent component turns unhealthy
 * after --heartbeat-ttl, swept every --janitor-interval; the store is at
 * --db-path, or nowhere with --no-persistence), and Ctrl-C stops it.
 */
import assert from "node:assert/strict";
import { client } from "../support/controlplane_client.ts";
import { ROOT, until } from "../support/helpers.ts";

/** Deno's cache as this run has it, so a server with another HOME neither fills that HOME nor fetches anything again. */
const denoDir: string = JSON.parse(
  new TextDecoder().decode((await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stderr: "null" }).output()).stdout),
).denoDir;

/** Starts `flowctl server ARGS` with HOME set; collects its log and reads its ports from the start-up line. */
async function startServer(args: string[], home: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", new URL("cli.ts", ROOT).pathname, "server", "--address", "127.0.0.1", "--port", "0", ...args],
    env: { NO_COLOR: "1", HOME: home, DENO_DIR: denoDir },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log = { text: "" };
  const reading = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) log.text += chunk;
  })();
  await until("the server's start-up line", () => /gRPC on [\d.]+:\d+/.test(log.text) || log.text.includes("flowctl:"), 30);
  const grpc = /gRPC on [\d.]+:(\d+)/.exec(log.text);
  assert.ok(grpc, log.text);
  const stop = async () => {
    child.kill("SIGTERM");
    const status = await child.status;
    await reading;
    return status.code;
  };
  return { log, grpcPort: Number(grpc[1]), stop };
}

Deno.test("flowctl server: --heartbeat-ttl, --janitor-interval and --db-path reach the control plane; SIGTERM stops it", async () => {
  const home = await Deno.makeTempDir();
  try {
    const db = `${home}/state/registry.db`;
    const server = await startServer(["--http-port", "off", "--heartbeat-ttl", "1s", "--janitor-interval", "100ms", "--db-path", db], home);
    assert.match(server.log.text, new RegExp(`^flowctl server: gRPC on 127\\.0\\.0\\.1:${server.grpcPort}, store ${db}$`, "m"));
    const v1 = client("v1", server.grpcPort);
    try {
      await v1.call("RegisterComponent", { component: { id: "quiet", type: "COMPONENT_TYPE_SOURCE" } });
      // A 1 s TTL swept every 100 ms: unhealthy well before the default 30 s, or a 10 s sweep, would allow.
      const started = Date.now();
      await until("the janitor to mark it unhealthy", () => server.log.text.includes("no heartbeat for 1s, unhealthy: quiet"), 5);
      assert.ok(Date.now() - started < 2500, "swept within the TTL and a few intervals");
    } finally {
      v1.close();
    }
    assert.equal(await server.stop(), 0);
    assert.match(server.log.text, /^flowctl server: SIGTERM, stopping$/m);
    assert.ok((await Deno.stat(db)).isFile, "the store is at --db-path");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("flowctl server: --no-persistence keeps no file; without --db-path the store is ~/.flowctl/registry.db, not the Go server's file", async () => {
  const home = await Deno.makeTempDir();
  try {
    const memory = await startServer(["--http-port", "off", "--no-persistence"], home);
    assert.match(memory.log.text, /^flowctl server: gRPC on 127\.0\.0\.1:\d+, in memory$/m);
    assert.equal(await memory.stop(), 0);
    assert.deepEqual([...Deno.readDirSync(home)], [], "nothing written under HOME");

    const plain = await startServer(["--http-port", "off"], home);
    assert.match(plain.log.text, new RegExp(`, store ${home}/\\.flowctl/registry\\.db$`, "m"));
    assert.equal(await plain.stop(), 0);
    assert.equal((await Deno.stat(`${home}/.flowctl/flowctl-service-registry.db`).catch(() => undefined)), undefined);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("flowctl server: --db-path naming the Go server's BoltDB file exits 1, saying so, and leaves the file as it was", async () => {
  const home = await Deno.makeTempDir();
  try {
    const path = `${home}/flowctl-service-registry.db`;
    const bolt = new Uint8Array(8192);
    bolt.set([0xed, 0xda, 0x0c, 0xed], 16); // BoltDB's magic after its first page header
    Deno.writeFileSync(path, bolt);
    const p = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", new URL("cli.ts", ROOT).pathname, "server", "--address", "127.0.0.1", "--port", "0", "--http-port", "off", "--db-path", path],
      env: { NO_COLOR: "1", HOME: home, DENO_DIR: denoDir },
    }).output();
    const stderr = new TextDecoder().decode(p.stderr);
    assert.equal(p.code, 1, stderr);
    assert.match(stderr, /^flowctl: .*flowctl-service-registry\.db is a BoltDB file, as the Go flowctl server keeps; .*give another path$/m);
    assert.deepEqual(Deno.readFileSync(path), bolt);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
