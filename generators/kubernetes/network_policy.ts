/**
 * NetworkPolicies from the pipeline's graph (`--network-policies`): a
 * component's pods admit only the pods of the components that read from it,
 * on the ports its Service exposes, and the control plane admits only the
 * pipeline's components. They bite only where the cluster's network plugin
 * enforces NetworkPolicy.
 */
import type { ComponentIR, PipelineIR } from "../../compiler/ir.ts";
import { commentLines } from "../shared/comments.ts";
import { CONTROL_PLANE_HTTP_PORT, runsFlowctlImage } from "../shared/control_plane.ts";
import { listeners } from "../shared/listeners.ts";
import { componentsById } from "../shared/wiring.ts";

/** What the policies need of the Kubernetes generator (its context has all of it). */
export interface PolicyContext {
  ir: PipelineIR;
  /** Component id → object name. */
  names: ReadonlyMap<string, string>;
  /** The control plane's object name. */
  controlPlane: string;
  meta(
    name: string,
    labels: Record<string, string>,
  ): { name: string; namespace?: string; labels?: Record<string, string> };
  labelsFor(name: string, component: string): Record<string, string>;
  /** The labels the Deployment of that name selects its pods by. */
  selectorFor(name: string): Record<string, string>;
}

interface Port {
  port: number;
  protocol: string;
}

type Peer = { podSelector: { matchLabels: Record<string, string> } };

export interface NetworkPolicy {
  apiVersion: "networking.k8s.io/v1";
  kind: "NetworkPolicy";
  metadata: ReturnType<PolicyContext["meta"]>;
  spec: Record<string, unknown>;
  comment: string[];
}

/**
 * One policy per component, named as its Deployment, and one for the control
 * plane when it runs. Only ingress is restricted: egress stays open, so
 * components still resolve DNS and reach what lies outside the pipeline.
 */
export function networkPolicies(ctx: PolicyContext): NetworkPolicy[] {
  const { ir, names } = ctx;
  const byId = componentsById(ir);
  const pods = (c: ComponentIR): Peer => ({
    podSelector: { matchLabels: ctx.selectorFor(names.get(c.id)!) },
  });
  const policies = ir.components.map((c) => {
    const consumers = c.downstreams.map((id) => byId.get(id)!);
    // The ports of its Service: the ones consumers are wired to, not a health-only port.
    const ports = listeners(c).filter((l) => l.declared || l.serving).map((l) => ({
      port: l.port,
      protocol: l.protocol,
    }));
    const why = !consumers.length
      ? `No ingress: no component reads from "${c.id}".`
      : !ports.length
      ? `No ingress: "${c.id}" serves no port.`
      : `Ingress only from what reads from "${c.id}": ${consumers.map((d) => `"${d.id}"`).join(", ")}.`;
    return policy(ctx, names.get(c.id)!, c.kind, consumers.map(pods), ports, why);
  });
  const cp = ir.controlPlane;
  if (cp.enabled) {
    // gRPC for registration and heartbeats; HTTP (/health, /api/services) where flowctl's image serves it.
    const ports = [
      { port: cp.port, protocol: "TCP" },
      ...(runsFlowctlImage(cp) ? [{ port: CONTROL_PLANE_HTTP_PORT, protocol: "TCP" }] : []),
    ];
    policies.push(
      policy(
        ctx,
        ctx.controlPlane,
        "control-plane",
        ir.components.map(pods),
        ports,
        "Ingress from the pipeline's components only.",
      ),
    );
  }
  return policies;
}

/**
 * Kubernetes always lets a node reach the pods on it, so the kubelet's
 * readiness and liveness probes pass whatever the policy says.
 */
function policy(
  ctx: PolicyContext,
  name: string,
  component: string,
  from: Peer[],
  ports: Port[],
  why: string,
): NetworkPolicy {
  // An empty `from` or `ports` would mean any peer or any port: without both there is no rule, and nothing gets in.
  const ingress = from.length && ports.length
    ? [{
      from,
      ports: ports.map((
        p,
      ) => (p.protocol === "TCP" ? { port: p.port } : { port: p.port, protocol: p.protocol })),
    }]
    : [];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: ctx.meta(name, ctx.labelsFor(name, component)),
    spec: { podSelector: { matchLabels: ctx.selectorFor(name) }, policyTypes: ["Ingress"], ingress },
    comment: commentLines(why),
  };
}
