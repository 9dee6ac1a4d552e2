/**
 * What must hold for any input at all, checked at every entry point:
 * nothing throws and nothing is an internal error; every diagnostic has a
 * known code and a position inside the file; every file stays inside the
 * output folder, parses in its target's own parser and carries every value
 * intact; the same input gives the same bytes. Each check throws an
 * AssertionError that says which rule broke.
 */
import assert from "node:assert/strict";
import { DIAGNOSTIC_CODES, type Diagnostic } from "../../compiler/diagnostics.ts";
import type { PipelineIR } from "../../compiler/ir.ts";
import { generate } from "../../translate/compile.ts";
import { translate } from "../../translate/translate.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { cue } from "../support/helpers.ts";
import { composeErrors } from "../support/compose_schema.ts";
import { kubernetesErrors } from "../support/kubernetes_check.ts";
import { nomadErrors, parsedJob } from "../support/nomad_check.ts";
import { runCli } from "../support/memory_io.ts";
import { createHandler } from "../../service/handler.ts";
import { checkComposeValues, checkKubernetesValues, checkLocalValues, checkNomadJob } from "../support/round_trip.ts";
import type { FuzzInput } from "./mutations.ts";

const registry = defaultRegistry();
const TARGETS = registry.names();

export function lineCount(bytes: Uint8Array): number {
  let lines = 1;
  for (const b of bytes) if (b === 0x0a) lines++;
  return lines;
}

export function checkDiagnostics(diagnostics: readonly Diagnostic[], input: FuzzInput): void {
  const lines = lineCount(input.bytes);
  for (const d of diagnostics) {
    const what = `${d.code} ${JSON.stringify(d.message)}`;
    assert.notEqual(d.code, "E_INTERNAL", `internal error: ${d.message}`);
    assert(Object.hasOwn(DIAGNOSTIC_CODES, d.code), `unknown code ${what}`);
    assert.equal(d.severity, d.code.startsWith("W_") ? "warning" : "error", what);
    assert.equal(d.file, input.name, `${what} names its file`);
    assert(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines, `${what} at line ${d.line} of ${lines}`);
    assert(Number.isInteger(d.column) && d.column >= 1, `${what} at column ${d.column}`);
    assert(typeof d.message === "string" && d.message.length > 0, "a message");
    assert(typeof d.hint === "string" && d.hint.length > 0, `${what} has a hint`);
    assert.equal(typeof d.path, "string");
  }
}

/** One pipeline's files for one target, read back by that target's own rules. */
export async function checkTargetOutput(target: string, ir: PipelineIR): Promise<void> {
  const out = generate([ir], { target, registry });
  if (out.files.length === 0) return;
  for (const f of out.files) assert.match(f.path, /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "a plain relative path");
  const contents = out.files.map((f) => f.content);
  switch (target) {
    case "docker-compose":
      assert.deepEqual(await composeErrors(contents[0]), [], "the Compose schema accepts it");
      checkComposeValues(contents[0], ir);
      return;
    case "kubernetes":
      assert.deepEqual(await kubernetesErrors(contents), [], "Kubernetes' schema accepts it");
      checkKubernetesValues(contents, ir);
      return;
    case "nomad": {
      const hcl = out.files.find((f) => f.path.endsWith(".nomad.hcl"))!;
      assert.deepEqual(await nomadErrors(hcl.path, hcl.content), [], "HCL and Nomad's block table accept it");
      const nfc = out.diagnostics.some((d) => d.code === "W_TARGET_CAVEAT" && d.message.includes("Unicode NFC"));
      checkNomadJob(ir, (await parsedJob(hcl.path, hcl.content)).job, { nfc });
      return;
    }
    case "local":
      await checkLocalValues(contents[0], ir);
      return;
    default:
      assert.fail(`no check for target ${target}: add one`);
  }
}

/** The library entry point, every target: the invariants above, and the same bytes a second time. */
export async function checkLibrary(input: FuzzInput): Promise<{ valid: boolean; pipelines: PipelineIR[] }> {
  const request = { pipelines: [{ name: input.name, text: input.bytes }], targets: "all" as const, cue: await cue(), registry };
  const result = translate(request);
  assert.deepEqual(result.problems, []);
  const [file] = result.files;
  checkDiagnostics(file.diagnostics, input);
  for (const t of file.targets) {
    checkDiagnostics(t.diagnostics, input);
    for (const f of t.files) assert.match(f.path, /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "a plain relative path");
  }
  for (const ir of file.pipelines) for (const target of TARGETS) await checkTargetOutput(target, ir);
  assert.deepEqual(translate(request), result, "the same input gives the same result");
  return { valid: !file.diagnostics.some((d) => d.severity === "error"), pipelines: file.pipelines };
}

/** The CLI, reading the file from stdin: an exit code that says valid or invalid (never 70, never a throw) and JSON that parses. */
export async function checkCli(input: FuzzInput, valid: boolean): Promise<void> {
  const v = await runCli(["validate", "--format", "json", "-"], {}, input.bytes);
  assert.equal(v.code, valid ? 0 : 1, v.stderr);
  const report = JSON.parse(v.stdout);
  for (const d of report.diagnostics) assert.equal(d.file, "<stdin>");
  const t = await runCli(["translate", "-f", "-", "-o", "all", "--output-dir", "out"], {}, input.bytes);
  assert([0, 1].includes(t.code), `translate exit ${t.code}: ${t.stderr}`);
  assert.equal(t.written.size, t.code === 0 ? 1 : 0, "--output-dir writes all or nothing");
  assert.doesNotMatch(t.stderr, /internal error|E_INTERNAL|\n\s+at /, "no internal error, no stack trace");
}

let handler: ((request: Request) => Promise<Response>) | undefined;

/** The web service's handler: 200 or 422 with JSON whose diagnostics keep the rules above, never a 500. */
export async function checkService(input: FuzzInput): Promise<void> {
  handler ??= createHandler({ cue: await cue(), registry });
  // JSON carries text, so bytes that are not UTF-8 arrive as U+FFFD, as from any client.
  const source = new TextDecoder().decode(input.bytes);
  const asText = { name: input.name, bytes: new TextEncoder().encode(source) };
  for (const [route, target] of [["validate", undefined], ...TARGETS.map((t) => ["translate", t])]) {
    const response = await handler(new Request(`http://flowctl.test/v1/${route}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ source, filename: input.name, target }),
    }));
    assert([200, 422].includes(response.status), `${route} ${target ?? ""}: HTTP ${response.status}: ${await response.clone().text()}`);
    const body = await response.json();
    checkDiagnostics(body.diagnostics, asText);
  }
}
