/**
 * Which certificates `flowctl tls certs` writes: the CA (made once, then
 * reused), the control plane's, the operator's and one per component, each
 * issued unless it is already there (or --renew). Loaded only by that
 * command, with the X.509 library.
 */
import type { PipelineIR } from "../compiler/ir.ts";
import type { OutputFile } from "../generators/generator.ts";
import { TLS_FILES } from "../generators/shared/tls_files.ts";
import type { Identity } from "../tls/identity.ts";
import { issue, type Leaf, newCa, type Pem } from "../tls/issue.ts";
import { InputError } from "./errors.ts";

export interface PlanInput {
  /** A file already in the folder, or undefined. */
  existing(path: string): Promise<string | undefined>;
  renew: boolean;
  serverNames: string[];
  now: Date;
  days: number;
  caDays: number;
}

export interface Plan {
  files: OutputFile[];
  newCa: boolean;
  issued: string[];
  kept: string[];
}

export async function planFiles(pipelines: readonly PipelineIR[], input: PlanInput): Promise<Plan> {
  const plan: Plan = { files: [], newCa: false, issued: [], kept: [] };
  const validity = { now: input.now, days: input.days };
  let ca = await pair(input, TLS_FILES.ca, TLS_FILES.caKey);
  if (!ca) {
    const name = pipelines.map((p) => p.name).join(", ");
    ca = await newCa(`flowctl CA (${name})`, { now: input.now, days: input.caDays });
    write(plan, TLS_FILES.ca, TLS_FILES.caKey, ca);
    plan.newCa = true;
  }
  const ids = [...new Set(pipelines.flatMap((p) => p.components.map((c) => c.id)))].sort();
  const leaves: [cert: string, key: string, leaf: Leaf][] = [
    [TLS_FILES.controlPlane, TLS_FILES.controlPlaneKey, { commonName: "flowctl control plane", serverNames: input.serverNames }],
    [TLS_FILES.operator, TLS_FILES.operatorKey, { commonName: "flowctl operator", identity: { kind: "operator" } }],
    ...ids.map((id): [string, string, Leaf] => {
      const identity: Identity = { kind: "component", id };
      return [TLS_FILES.component(id), TLS_FILES.componentKey(id), { commonName: id, identity }];
    }),
  ];
  for (const [cert, key, leaf] of leaves) {
    // A new CA makes every certificate issued before it worthless: all are issued again.
    if (!plan.newCa && !input.renew && await pair(input, cert, key)) {
      plan.kept.push(cert);
      continue;
    }
    write(plan, cert, key, await issue(ca, leaf, validity));
    plan.issued.push(cert);
  }
  return plan;
}

/** A certificate with its key, when both files are there; one without the other is the user's to sort out. */
async function pair(input: PlanInput, cert: string, key: string): Promise<Pem | undefined> {
  const [c, k] = await Promise.all([input.existing(cert), input.existing(key)]);
  if (c === undefined && k === undefined) return undefined;
  if (c === undefined || k === undefined) {
    throw new InputError(`${c === undefined ? cert : key} is missing beside ${c === undefined ? key : cert}: remove the other, or put it back`);
  }
  return { cert: c, key: k };
}

function write(plan: Plan, cert: string, key: string, pem: Pem): void {
  plan.files.push({ path: cert, content: pem.cert }, { path: key, content: pem.key, private: true });
}
