/**
 * `flowctl status -f FILE [-o TARGET]`: the engine's own view of the
 * pipeline (docker compose ps, kubectl get, nomad job status), then the
 * services its control plane knows, read from its /api/services: over HTTP
 * where it is published on this machine, through the API server on
 * Kubernetes.
 */
import { printable } from "../compiler/diagnostics.ts";
import type { Deployment } from "../deploy/mod.ts";
import { deployFlags, prepare } from "./deployment.ts";
import { EXIT } from "./errors.ts";
import { type HttpTlsFiles, readHttpTls } from "./http_tls.ts";
import { DEPLOY_HELP } from "./help.ts";
import type { Io } from "./io.ts";
import { commandLine } from "./steps.ts";

const HTTP_TIMEOUT_MS = 5000;

interface Service {
  service_id: string;
  type?: string;
  status?: string;
  endpoint?: string;
  last_heartbeat?: string;
}

interface ControlPlaneAnswer {
  /** Where it was asked: a URL, or the command that asked it. */
  source?: string;
  pipeline_health?: string;
  services?: Service[];
  more?: boolean;
  /** Why there is no answer. */
  error?: string;
}

/** Where the control plane's /api/services is (a URL, or the command that reaches it), or why it cannot be asked. */
export async function controlPlaneUrl(
  deployment: Deployment,
  io: Io,
): Promise<{ url?: string; tls?: HttpTlsFiles; command?: string[]; why?: string }> {
  const view = deployment.controlPlane;
  switch (view.kind) {
    case "url":
      return { url: view.url, tls: view.tls };
    case "port-of": {
      const result = await io.exec(view.command.argv);
      // `0.0.0.0:49153`, `127.0.0.1:49153` or `[::]:49153`: the published port, reached on this machine.
      const published = /^(.*):(\d+)$/m.exec(result.stdout.trim());
      if (result.code !== 0 || !published) {
        return { why: `${commandLine(view.command)} found no published port: ${(result.stderr || result.stdout).trim() || `exit ${result.code}`}` };
      }
      const host = ["0.0.0.0", "[::]", ""].includes(published[1]) ? "127.0.0.1" : published[1];
      return { url: `${view.tls ? "https" : "http"}://${host}:${published[2]}${view.path}`, tls: view.tls };
    }
    case "raw":
      return { command: view.command.argv };
    case "none":
      return { why: view.why };
  }
}

async function askControlPlane(deployment: Deployment, io: Io): Promise<ControlPlaneAnswer> {
  const where = await controlPlaneUrl(deployment, io);
  if (where.why) return { error: where.why };
  let text: string;
  let source: string;
  if (where.url) {
    source = where.url;
    let tls;
    try {
      tls = where.tls && await readHttpTls(where.tls, io);
    } catch (err) {
      return { source, error: `${(err as Error).message} (flowctl tls certs writes it)` };
    }
    const answer = await io.httpGet(where.url, HTTP_TIMEOUT_MS, tls);
    if ("error" in answer) return { source, error: answer.error };
    if (answer.status !== 200) return { source, error: `answered ${answer.status}` };
    text = answer.body ?? "";
  } else {
    source = where.command!.join(" ");
    const result = await io.exec(where.command!);
    if (result.code !== 0) return { source, error: (result.stderr || result.stdout).trim() || `exit ${result.code}` };
    text = result.stdout;
  }
  try {
    const body = JSON.parse(text) as { pipeline_health?: string; services?: Service[]; next_page_token?: string };
    return { source, pipeline_health: body.pipeline_health, services: body.services ?? [], more: Boolean(body.next_page_token) };
  } catch {
    return { source, error: `its answer is not JSON: ${text.slice(0, 200)}` };
  }
}

export async function runStatus(args: string[], io: Io): Promise<number> {
  const flags = deployFlags("status", args, io, DEPLOY_HELP.status);
  if (!flags) return EXIT.ok;
  const prepared = await prepare("status", flags, io);
  if (typeof prepared === "number") return prepared;
  const { deployment, format } = prepared;
  const engine = [];
  for (const command of deployment.status) {
    const result = await io.exec(command.argv);
    engine.push({ command: command.argv, code: result.code, stdout: result.stdout, stderr: result.stderr, ...(result.notStarted && { notStarted: result.notStarted }) });
  }
  const controlPlane = await askControlPlane(deployment, io);
  const failed = engine.some((e) => e.code !== 0);

  if (format === "json") {
    io.stdout(JSON.stringify({ target: deployment.target, pipeline: prepared.pipeline.name, dir: deployment.dir, engine, controlPlane }, null, 2) + "\n");
    return failed ? EXIT.invalid : EXIT.ok;
  }
  for (const e of engine) {
    io.stdout(e.stdout);
    if (e.code !== 0) io.stderr(`flowctl status: ${e.command.join(" ")}: ${e.notStarted ?? (e.stderr.trim() || `exit ${e.code}`)}\n`);
  }
  io.stdout(`\n${controlPlaneText(controlPlane)}`);
  return failed ? EXIT.invalid : EXIT.ok;
}

function controlPlaneText(answer: ControlPlaneAnswer): string {
  const from = answer.source ? ` (${answer.source})` : "";
  if (answer.error !== undefined) return `Control plane${from}: not asked or no answer: ${answer.error}\n`;
  const services = answer.services ?? [];
  const rows = [["SERVICE", "TYPE", "STATUS", "LAST HEARTBEAT"], ...services.map((s) =>
    [s.service_id, (s.type ?? "").replace(/^COMPONENT_TYPE_/, "").toLowerCase(), s.status ?? "", s.last_heartbeat ?? ""].map((cell) => printable(String(cell)))
  )];
  // What components registered is theirs to choose: no control character reaches the terminal.
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const table = services.length ? rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()}\n`).join("") : "";
  return `Control plane${from}: pipeline ${answer.pipeline_health ?? "unknown"}, ${services.length}${answer.more ? "+" : ""} registered service${services.length === 1 ? "" : "s"}\n${table}`;
}

