/**
 * The control plane under TLS and mutual TLS, over real handshakes, with
 * certificates made by `flowctl tls certs`: who gets in, who may act as whom,
 * what start-up refuses, and a certificate renewed while it runs.
 */
import assert from "node:assert/strict";
import { connect, type PeerCertificate } from "node:tls";
import { main } from "../../cli/main.ts";
import { clientConnection } from "../../controlplane/client_credentials.ts";
import { type ControlPlane, startControlPlane } from "../../controlplane/server.ts";
import { TLS_FILES } from "../../generators/shared/tls_files.ts";
import { loadCue } from "../../host/cue_wasm.ts";
import { denoIo } from "../../host/deno_io.ts";
import { issue } from "../../tls/issue.ts";
import { client, code, withControlPlane } from "../support/controlplane_client.ts";
import { watch } from "../support/watch_client.ts";

const PIPELINE = new URL("../../fixtures/linear.yaml", import.meta.url).pathname;

/** `flowctl tls certs` into a new folder; its output, for the test to read. */
async function certs(dir: string, ...more: string[]): Promise<void> {
  const out: string[] = [];
  const io = { ...denoIo(() => loadCue()), stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
  const code = await main(["tls", "certs", "-f", PIPELINE, "--out", dir, ...more], io);
  assert.equal(code, 0, out.join(""));
}

/** Env as a component gets it from a target, pointing into the folder. */
function as(dir: string, who: "operator" | string | undefined) {
  const files: Record<string, string | undefined> = {
    FLOWCTL_TLS_CA: `${dir}/${TLS_FILES.ca}`,
    FLOWCTL_TLS_CERT: who === undefined ? undefined : `${dir}/${who === "operator" ? TLS_FILES.operator : TLS_FILES.component(who)}`,
    FLOWCTL_TLS_KEY: who === undefined ? undefined : `${dir}/${who === "operator" ? TLS_FILES.operatorKey : TLS_FILES.componentKey(who)}`,
    FLOWCTL_TLS_SERVER_NAME: "flowctl-control-plane",
  };
  return clientConnection((name) => files[name], (path) => Deno.readFileSync(path));
}

async function withTls(fn: (cp: ControlPlane, dir: string, logs: string[]) => Promise<void>, mutual = true) {
  const dir = await Deno.makeTempDir();
  try {
    await certs(dir);
    const tls = {
      cert: `${dir}/${TLS_FILES.controlPlane}`,
      key: `${dir}/${TLS_FILES.controlPlaneKey}`,
      ca: mutual ? `${dir}/${TLS_FILES.ca}` : undefined,
    };
    await withControlPlane(fn, { dir, tls, tlsReloadMs: 100, inMemory: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const register = (id: string) => ({ component_id: id, component: { id, type: "COMPONENT_TYPE_SOURCE" } });

Deno.test("tls certs: keys are private, identities are in the certificates, the CA is kept on a second run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await certs(dir);
    for (const key of [TLS_FILES.caKey, TLS_FILES.controlPlaneKey, TLS_FILES.operatorKey, TLS_FILES.componentKey("transform")]) {
      assert.equal(Deno.statSync(`${dir}/${key}`).mode! & 0o777, 0o600, key);
    }
    const ca = Deno.readTextFileSync(`${dir}/${TLS_FILES.ca}`);
    const transform = Deno.readTextFileSync(`${dir}/${TLS_FILES.component("transform")}`);
    const { X509Certificate } = await import("node:crypto");
    const cert = new X509Certificate(transform);
    assert.equal(cert.subjectAltName, "URI:spiffe://flowctl/component/transform");
    assert(cert.checkIssued(new X509Certificate(ca)));
    const server = new X509Certificate(Deno.readTextFileSync(`${dir}/${TLS_FILES.controlPlane}`));
    assert.match(server.subjectAltName!, /DNS:flowctl-control-plane, DNS:flowctl-control-plane\.default, /);
    assert.match(server.subjectAltName!, /IP Address:127\.0\.0\.1/);
    await certs(dir);
    assert.equal(Deno.readTextFileSync(`${dir}/${TLS_FILES.ca}`), ca, "the CA is used again");
    assert.equal(Deno.readTextFileSync(`${dir}/${TLS_FILES.component("transform")}`), transform, "kept without --renew");
    await certs(dir, "--renew");
    assert.notEqual(Deno.readTextFileSync(`${dir}/${TLS_FILES.component("transform")}`), transform);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mutual TLS: no certificate, or one from another CA, does not get in; a component acts only as itself", () =>
  withTls(async (cp, dir) => {
    const plain = client("v1", cp.grpcPort, "localhost");
    await assert.rejects(plain.call("ListComponents", {}), code("UNAVAILABLE"));
    plain.close();
    const noCert = client("v1", cp.grpcPort, "localhost", as(dir, undefined));
    await assert.rejects(noCert.call("ListComponents", {}), code("UNAVAILABLE"));
    noCert.close();
    const other = await Deno.makeTempDir();
    try {
      await certs(other);
      // It trusts our server's CA (so only the server side refuses it): its own certificate is the other CA's.
      const mixed = clientConnection((name) =>
        ({
          FLOWCTL_TLS_CA: `${dir}/${TLS_FILES.ca}`,
          FLOWCTL_TLS_CERT: `${other}/${TLS_FILES.component("source")}`,
          FLOWCTL_TLS_KEY: `${other}/${TLS_FILES.componentKey("source")}`,
          FLOWCTL_TLS_SERVER_NAME: "flowctl-control-plane",
        } as Record<string, string>)[name], (path) => Deno.readFileSync(path));
      const foreign = client("v1", cp.grpcPort, "localhost", mixed);
      await assert.rejects(foreign.call("RegisterComponent", register("source")), code("UNAVAILABLE"));
      foreign.close();
    } finally {
      await Deno.remove(other, { recursive: true });
    }

    const source = client("v1", cp.grpcPort, "localhost", as(dir, "source"));
    const sink = client("v1", cp.grpcPort, "localhost", as(dir, "sink"));
    const operator = client("v1", cp.grpcPort, "localhost", as(dir, "operator"));
    try {
      await source.call("RegisterComponent", register("source"));
      await sink.call("RegisterComponent", register("sink"));
      await source.call("Heartbeat", { service_id: "source" });
      await assert.rejects(source.call("Heartbeat", { service_id: "sink" }), code("PERMISSION_DENIED"));
      await assert.rejects(source.call("RegisterComponent", register("sink")), code("PERMISSION_DENIED"));
      await assert.rejects(source.call("RegisterComponent", { component_id: "sink", component: { id: "source" } }), code("PERMISSION_DENIED"));
      await assert.rejects(source.call("UnregisterComponent", { service_id: "sink" }), code("PERMISSION_DENIED"));
      await assert.rejects(source.call("ListComponents", {}), code("PERMISSION_DENIED"));
      assert.deepEqual((await source.call("DiscoverComponents", {})).components.map((c: { id: string }) => c.id), ["sink", "source"]);
      await assert.rejects(operator.call("Heartbeat", { service_id: "sink" }), code("PERMISSION_DENIED"));
      assert.equal((await operator.call("ListComponents", {})).components.length, 2);
      await operator.call("UnregisterComponent", { service_id: "sink" });
      assert.deepEqual(cp.registry.all().map((r) => r.serviceId), ["source"]);
    } finally {
      source.close();
      sink.close();
      operator.close();
    }

    // HTTPS: /health is open to a probe with no certificate; the rest needs the operator's.
    const http = (who: string | undefined) =>
      Deno.createHttpClient({
        caCerts: [Deno.readTextFileSync(`${dir}/${TLS_FILES.ca}`)],
        ...(who && {
          cert: Deno.readTextFileSync(`${dir}/${who === "operator" ? TLS_FILES.operator : TLS_FILES.component(who)}`),
          key: Deno.readTextFileSync(`${dir}/${who === "operator" ? TLS_FILES.operatorKey : TLS_FILES.componentKey(who)}`),
        }),
      });
    const get = async (path: string, who?: string) => {
      const c = http(who);
      try {
        const r = await fetch(`https://localhost:${cp.httpPort}${path}`, { client: c });
        return { status: r.status, body: await r.text() };
      } finally {
        c.close();
      }
    };
    assert.equal((await get("/health")).status, 200);
    assert.equal((await get("/api/services")).status, 403);
    assert.equal((await get("/api/services", "source")).status, 403);
    assert.equal((await get("/api/services", "operator")).status, 200);
    assert.equal((await get("/api/runs", "source")).status, 403, "runs are the operator's too");
    assert.equal((await get("/api/runs", "operator")).status, 200);
    const metrics = (await get("/metrics", "operator")).body;
    assert.match(metrics, /flowctl_permission_denied_total\{method="flowctl.v1.ControlPlaneService\/Heartbeat",caller="component\/source"\} 1/);
    assert.match(metrics, /flowctl_permission_denied_total\{method="flowctl.v1.ControlPlaneService\/RegisterComponent",caller="component\/source"\} 2/);
    assert.match(metrics, /flowctl_permission_denied_total\{method="HTTP \/api\/services",caller="none"\} 1/);
    assert.match(metrics, /flowctl_grpc_calls_total\{method="flowctl.v1.ControlPlaneService\/ListComponents",code="PERMISSION_DENIED"\} 1/);
    await assert.rejects(fetch(`http://127.0.0.1:${cp.httpPort}/health`), "plain HTTP to the HTTPS port fails");
  }));

Deno.test("TLS without a CA: components verify the server and need no certificate of their own", () =>
  withTls(async (cp, dir) => {
    const c = client("v1", cp.grpcPort, "127.0.0.1", as(dir, undefined));
    try {
      await c.call("RegisterComponent", register("anyone"));
      assert.equal((await c.call("ListComponents", {})).components.length, 1);
    } finally {
      c.close();
    }
    const plain = client("v1", cp.grpcPort, "localhost");
    await assert.rejects(plain.call("ListComponents", {}), code("UNAVAILABLE"));
    plain.close();
  }, false));

Deno.test("mutual TLS: an expired client certificate does not get in", () =>
  withTls(async (cp, dir) => {
    const ca = { cert: Deno.readTextFileSync(`${dir}/${TLS_FILES.ca}`), key: Deno.readTextFileSync(`${dir}/${TLS_FILES.caKey}`) };
    const old = await issue(ca, { commonName: "source", identity: { kind: "component", id: "source" } }, {
      now: new Date(Date.now() - 10 * 86_400_000),
      days: 2,
    });
    Deno.writeTextFileSync(`${dir}/old.pem`, old.cert);
    Deno.writeTextFileSync(`${dir}/old-key.pem`, old.key);
    const env: Record<string, string> = {
      FLOWCTL_TLS_CA: `${dir}/${TLS_FILES.ca}`,
      FLOWCTL_TLS_CERT: `${dir}/old.pem`,
      FLOWCTL_TLS_KEY: `${dir}/old-key.pem`,
      FLOWCTL_TLS_SERVER_NAME: "flowctl-control-plane",
    };
    const c = client("v1", cp.grpcPort, "127.0.0.1", clientConnection((n) => env[n], (p) => Deno.readFileSync(p)));
    await assert.rejects(c.call("RegisterComponent", register("source")), code("UNAVAILABLE"));
    c.close();
  }));

/** The serial number of the certificate the server presents to a new connection. */
function servedSerial(port: number, ca: string, alpn = "h2"): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca, ALPNProtocols: [alpn] }, () => {
      const serial = (socket.getPeerCertificate() as PeerCertificate).serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.on("error", reject);
  });
}

Deno.test("TLS: a renewed certificate is served without a restart, on both ports; a broken renewal is refused and logged", () =>
  withTls(async (cp, dir, logs) => {
    const ca = Deno.readTextFileSync(`${dir}/${TLS_FILES.ca}`);
    const before = await servedSerial(cp.grpcPort, ca);
    assert.equal(await servedSerial(cp.httpPort!, ca, "http/1.1"), before);
    await certs(dir, "--renew");
    const deadline = Date.now() + 5000;
    while (await servedSerial(cp.grpcPort, ca) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const after = await servedSerial(cp.grpcPort, ca);
    assert.notEqual(after, before, "gRPC serves the new certificate");
    while (await servedSerial(cp.httpPort!, ca, "http/1.1") === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await servedSerial(cp.httpPort!, ca, "http/1.1"), after, "HTTPS too");
    assert(logs.some((l) => l.includes("now serving a certificate valid until")), logs.join("\n"));

    // A key that is not the certificate's: refused, the last good one stays.
    Deno.copyFileSync(`${dir}/${TLS_FILES.operatorKey}`, `${dir}/${TLS_FILES.controlPlaneKey}`);
    const until = Date.now() + 5000;
    while (!logs.some((l) => l.includes("cannot be used")) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert(logs.some((l) => l.includes("does not belong to the certificate")), logs.join("\n"));
    assert.equal(await servedSerial(cp.grpcPort, ca), after);
    const c = client("v1", cp.grpcPort, "localhost", as(dir, "source"));
    await c.call("RegisterComponent", register("source"));
    c.close();
  }));

Deno.test("TLS: start-up refuses bad files with a message that names them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await certs(dir);
    const start = (tls: { cert: string; key: string; ca?: string }) =>
      startControlPlane({ address: "127.0.0.1", port: 0, heartbeatTtlMs: 30_000, tls, log: () => {} });
    const f = (name: string) => `${dir}/${name}`;
    await assert.rejects(start({ cert: f(TLS_FILES.controlPlane), key: f(TLS_FILES.operatorKey) }), /does not belong to the certificate/);
    await assert.rejects(start({ cert: f(TLS_FILES.controlPlane), key: f(TLS_FILES.controlPlaneKey), ca: f(TLS_FILES.caKey) }), /ca-key\.pem holds no certificate/);
    await assert.rejects(start({ cert: f("missing.pem"), key: f(TLS_FILES.controlPlaneKey) }), /cannot read .*missing\.pem/);
    await assert.rejects(start({ cert: f(TLS_FILES.controlPlaneKey), key: f(TLS_FILES.controlPlaneKey) }), /holds no certificate/);
    const ca = { cert: Deno.readTextFileSync(f(TLS_FILES.ca)), key: Deno.readTextFileSync(f(TLS_FILES.caKey)) };
    const old = await issue(ca, { commonName: "cp", serverNames: ["localhost"] }, { now: new Date(Date.now() - 10 * 86_400_000), days: 2 });
    Deno.writeTextFileSync(f("old.pem"), old.cert);
    Deno.writeTextFileSync(f("old-key.pem"), old.key);
    await assert.rejects(start({ cert: f("old.pem"), key: f("old-key.pem") }), /old\.pem expired on/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mutual TLS: components and the operator may watch; a certificate that names no flowctl identity may not", () =>
  withTls(async (cp, dir) => {
    const synced = (events: { kind: string }[]) => events.some((e) => e.kind === "KIND_SYNCED");
    const source = watch(cp.grpcPort, {}, "localhost", as(dir, "source"));
    const operator = watch(cp.grpcPort, { type: "COMPONENT_TYPE_SOURCE" }, "localhost", as(dir, "operator"));
    const stranger = await issue(
      { cert: Deno.readTextFileSync(`${dir}/${TLS_FILES.ca}`), key: Deno.readTextFileSync(`${dir}/${TLS_FILES.caKey}`) },
      { commonName: "stranger" },
      { now: new Date(), days: 1 },
    );
    Deno.writeTextFileSync(`${dir}/stranger.pem`, stranger.cert);
    Deno.writeTextFileSync(`${dir}/stranger-key.pem`, stranger.key);
    const env: Record<string, string> = {
      FLOWCTL_TLS_CA: `${dir}/${TLS_FILES.ca}`,
      FLOWCTL_TLS_CERT: `${dir}/stranger.pem`,
      FLOWCTL_TLS_KEY: `${dir}/stranger-key.pem`,
      FLOWCTL_TLS_SERVER_NAME: "flowctl-control-plane",
    };
    const unknown = watch(cp.grpcPort, {}, "127.0.0.1", clientConnection((n) => env[n], (p) => Deno.readFileSync(p)));
    const c = client("v1", cp.grpcPort, "localhost", as(dir, "source"));
    try {
      await source.until(synced);
      await operator.until(synced);
      await c.call("RegisterComponent", register("source"));
      await source.until((es) => es.some((e) => e.kind === "KIND_REGISTERED" && e.service_id === "source"));
      await operator.until((es) => es.some((e) => e.kind === "KIND_REGISTERED" && e.service_id === "source"));
      await assert.rejects(unknown.until(synced), /ended/);
      assert(code("PERMISSION_DENIED")(unknown.ended!), JSON.stringify(unknown.ended));
      assert.match(unknown.ended!.details, /may not call flowctl\.watch\.v1\.ComponentWatch\/Watch: its certificate names no spiffe:\/\/flowctl\/ identity/);
    } finally {
      for (const w of [source, operator, unknown]) w.close();
      c.close();
    }
  }));
