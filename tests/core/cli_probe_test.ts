/**
 * The control-plane image's command line and its HTTP probes (`health`,
 * `wait`), with the network as a function: exit codes, messages, timing.
 */
import assert from "node:assert/strict";
import { controlPlaneImageMain } from "../../cli/control_plane_image.ts";
import type { HttpAnswer } from "../../cli/io.ts";
import { runCli, runProgram } from "../support/memory_io.ts";

/** A network where each URL answers from its script, in turn, the last answer repeating; GETs are recorded. */
function network(scripts: Record<string, HttpAnswer[]>) {
  const gets: string[] = [];
  const httpGet = (url: string) => {
    gets.push(url);
    const script = scripts[url] ?? [{ error: "Connection refused (os error 111)" }];
    return Promise.resolve(script[Math.min(gets.filter((u) => u === url).length, script.length) - 1]);
  };
  return { gets, httpGet };
}

const image = (args: string[], net = network({})) => runProgram(controlPlaneImageMain, args, { world: { httpGet: net.httpGet } });

Deno.test("health: one GET of the control plane's /health by default; 2xx exits 0, anything else 1", async () => {
  const ok = network({ "http://127.0.0.1:8081/health": [{ status: 200 }] });
  const r = await image(["health"], ok);
  assert.deepEqual([r.code, r.stdout, ok.gets], [0, "http://127.0.0.1:8081/health answered 200\n", ["http://127.0.0.1:8081/health"]]);
  const down = await image(["health", "http://cp:9000/health"], network({ "http://cp:9000/health": [{ status: 503 }] }));
  assert.deepEqual([down.code, down.stderr], [1, "health: http://cp:9000/health answered 503\n"]);
  const refused = await image(["health"]);
  assert.deepEqual([refused.code, refused.stderr], [1, "health: http://127.0.0.1:8081/health Connection refused (os error 111)\n"]);
  const cli = await runCli(["controlplane", "health"], {}, "", undefined, { httpGet: ok.httpGet });
  assert.equal(cli.code, 0, "the CLI has it too");
});

Deno.test("wait: polls every URL until each has answered 2xx once, then exits 0", async () => {
  const net = network({
    "http://a:8081/health": [{ error: "Connection refused (os error 111)" }, { status: 503 }, { status: 200 }, { status: 503 }],
    "http://b:8088/ready": [{ status: 204 }],
  });
  const started = Date.now();
  const r = await image(["wait", "http://a:8081/health", "http://b:8088/ready", "--every", "20"], net);
  assert.equal(r.code, 0, r.stderr);
  assert(Date.now() - started >= 40, "it paused between rounds");
  // b answered in the first round and was not asked again; a took three rounds.
  assert.deepEqual(net.gets, ["http://a:8081/health", "http://b:8088/ready", "http://a:8081/health", "http://a:8081/health"]);
  assert.match(r.stdout, /^http:\/\/b:8088\/ready answered 204 after \d+\.\d s\nhttp:\/\/a:8081\/health answered 200 after \d+\.\d s\n$/);
});

Deno.test("wait: when the time is up, exits 1 naming each URL still failing and why", async () => {
  const net = network({ "http://up/": [{ status: 200 }], "http://down/": [{ status: 502 }] });
  const started = Date.now();
  const r = await image(["wait", "--timeout", "0.3", "--every", "50", "http://up/", "http://down/", "http://gone/"], net);
  const took = Date.now() - started;
  assert.equal(r.code, 1);
  assert(took >= 300 && took < 2000, `gave up after ${took} ms`);
  assert.equal(r.stderr, "wait: no 2xx answer within 0.3 s from http://down/ (answered 502), http://gone/ (Connection refused (os error 111))\n");
  assert(net.gets.filter((u) => u === "http://down/").length >= 4, "it kept trying every 50 ms");
});

Deno.test("wait and health: bad arguments are usage errors (exit 2)", async () => {
  for (
    const args of [["wait"], ["wait", "ftp://x/"], ["wait", "not a url"], ["wait", "http://x/", "--every", "0"], [
      "wait",
      "http://x/",
      "--timeout",
      "soon",
    ], ["health", "http://a/", "http://b/"]]
  ) {
    const r = await image(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /Run with --help for usage/);
  }
});

Deno.test("the image's command line: controlplane, health, wait; anything else is a usage error", async () => {
  const help = await image(["--help"]);
  assert.equal(help.code, 0);
  for (const command of ["controlplane [OPTIONS]", "health [URL]", "wait URL... [--timeout SECONDS] [--every MILLISECONDS]"]) {
    assert(help.stdout.includes(`  ${command}`), command);
  }
  assert.equal((await image([])).code, 2);
  const unknown = await image(["server"]);
  assert.deepEqual([unknown.code, unknown.stderr.split("\n")[0]], [2, 'unknown command "server": controlplane, health or wait']);
  const flags = await image(["controlplane", "--frob"]);
  assert.deepEqual([flags.code, flags.stderr.split("\n")[0]], [2, 'unknown option "--frob"']);
});

Deno.test("health and wait under TLS: the CA from FLOWCTL_TLS_CA (or --ca) is trusted, and health asks https by default", async () => {
  const trusted: unknown[] = [];
  const httpGet = (url: string, _timeout: number, tls?: unknown) => {
    trusted.push([url, tls]);
    return Promise.resolve({ status: 200 });
  };
  const files = { "/etc/flowctl/tls/ca.pem": "CA PEM", "c.pem": "CERT", "k.pem": "KEY", "other-ca.pem": "OTHER" };
  const env = (name: string) => (name === "FLOWCTL_TLS_CA" ? "/etc/flowctl/tls/ca.pem" : undefined);
  const r = await runProgram(controlPlaneImageMain, ["health"], { files, world: { httpGet, env } });
  assert.equal(r.code, 0, r.stderr);
  const w = await runProgram(controlPlaneImageMain, ["wait", "https://cp:8081/health", "--ca", "other-ca.pem", "--cert", "c.pem", "--key", "k.pem"], {
    files,
    world: { httpGet },
  });
  assert.equal(w.code, 0, w.stderr);
  assert.deepEqual(trusted, [
    ["https://127.0.0.1:8081/health", { ca: "CA PEM", cert: undefined, key: undefined }],
    ["https://cp:8081/health", { ca: "OTHER", cert: "CERT", key: "KEY" }],
  ]);
  const missing = await runProgram(controlPlaneImageMain, ["health", "--ca", "nowhere.pem"], { world: { httpGet } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read nowhere\.pem/);
});
