/**
 * `flowctl tls certs -f FILE [--out DIR]`: what a small deployment needs for
 * mutual TLS, made on this machine, as `nomad tls` and `consul tls` do: a CA,
 * the control plane's server certificate (with the names each target dials
 * it by), an operator's client certificate and one per component. An
 * existing CA in DIR is used again, and existing certificates are kept
 * unless --renew; keys are written readable by their owner only.
 */
import { hasErrors } from "../compiler/diagnostics.ts";
import type { PipelineIR } from "../compiler/ir.ts";
import { CONTROL_PLANE_NAME } from "../generators/shared/control_plane.ts";
import { TLS_FILES } from "../generators/shared/tls_files.ts";
import { validate } from "../translate/compile.ts";
import { EXIT, InputError, onDisk, UsageError } from "./errors.ts";
import { parseFlags } from "./flags.ts";
import { HELP } from "./help.ts";
import { folderOf } from "./input.ts";
import type { Io } from "./io.ts";
import { plural, printDiagnostics } from "./output.ts";
import { readStack, refuseSetProblems, STACK_FLAGS } from "./stack.ts";

const CA_DAYS = 5 * 365;
const DEFAULT_DAYS = 365;

export async function runTls(args: string[], io: Io): Promise<number> {
  if (args[0] !== "certs") {
    if (args[0] === undefined || args[0] === "--help" || args[0] === "-h") {
      io.stdout(HELP.tls);
      return EXIT.ok;
    }
    throw new UsageError(`unknown tls command ${JSON.stringify(args[0])}; try flowctl tls certs -f FILE`);
  }
  const flags = parseFlags(args.slice(1), {
    ...STACK_FLAGS,
    "--out": "out",
    "--name": "name",
    "--namespace": "namespace",
    "--days": "days",
  }, { "--renew": "renew" });
  if (flags.help) {
    io.stdout(HELP.tls);
    return EXIT.ok;
  }
  const days = Number(flags.values.days ?? DEFAULT_DAYS);
  if (!Number.isInteger(days) || days < 1 || days > CA_DAYS) {
    throw new UsageError(`--days needs a whole number from 1 to ${CA_DAYS}, not ${JSON.stringify(flags.values.days)}`);
  }
  const stack = await readStack(flags, "tls certs", io);
  const result = validate(stack.input.text, {
    filename: stack.input.name,
    cue: await io.cue(),
    overlays: stack.overlays,
    set: stack.set,
    sources: stack.sources,
  });
  refuseSetProblems(result.diagnostics);
  printDiagnostics(result.diagnostics.filter((d) => d.severity === "error"), io);
  if (hasErrors(result.diagnostics)) return EXIT.invalid;

  const out = flags.values.out ?? `${folderOf(stack.file)}/${tlsDir(result.pipelines)}`;
  const { planFiles } = await import("./tls_plan.ts");
  const plan = await planFiles(result.pipelines, {
    existing: (path) => io.readFile(`${out}/${path}`).then((b) => new TextDecoder().decode(b), () => undefined),
    renew: flags.values.renew === "true",
    serverNames: serverNames(result.pipelines, flags.repeated.namespace ?? [], flags.repeated.name ?? []),
    now: new Date(),
    days,
    caDays: CA_DAYS,
  });
  await onDisk(`write ${out}`, () => io.writeFiles(out, plan.files));
  io.stdout(
    `${out}: ${plan.newCa ? "a new CA" : "the CA there"}; ${plural(plan.issued.length, "certificate")} issued` +
      (plan.kept.length ? `, ${plural(plan.kept.length, "certificate")} kept (--renew issues them again)` : "") + "\n",
  );
  for (const path of plan.issued) io.stdout(`  issued ${path}\n`);
  if (plan.newCa) io.stdout(`Keep ${out}/${TLS_FILES.caKey} private: it signs certificates; nothing deployed needs it.\n`);
  return EXIT.ok;
}

/** The folder the pipeline names for its files (spec.controlPlane.tls.dir), the same for every document. */
function tlsDir(pipelines: readonly PipelineIR[]): string {
  const dirs = [...new Set(pipelines.map((p) => p.controlPlane.tls?.dir ?? "tls"))];
  if (dirs.length > 1) throw new InputError(`the pipelines name different TLS folders (${dirs.join(", ")}): give --out DIR`);
  return dirs[0] ?? "tls";
}

/** The names components and probes dial the control plane by, on every target. */
function serverNames(pipelines: readonly PipelineIR[], namespaces: string[], extra: string[]): string[] {
  const inCluster = new Set([...namespaces, ...pipelines.map((p) => p.namespace ?? "default")]);
  return [
    CONTROL_PLANE_NAME,
    ...[...inCluster].flatMap((ns) => ["", ".svc", ".svc.cluster.local"].map((end) => `${CONTROL_PLANE_NAME}.${ns}${end}`)),
    "localhost",
    "127.0.0.1",
    "::1",
    ...extra,
  ];
}
