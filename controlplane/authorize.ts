/**
 * Who may call what, under mutual TLS. A component proves its id with its
 * client certificate (tls/identity.ts) and may register, heartbeat, update
 * and unregister only under that id; it may also discover others, which is
 * how it finds its upstreams. The operator's certificate may read everything,
 * deregister anyone and manage pipeline runs, but is no component. Anything
 * else is PERMISSION_DENIED. Without mutual TLS there are no identities and
 * every call is let through, as before.
 */
import { describeIdentity, type Identity } from "../tls/identity.ts";
import { ControlPlaneError, type Registry } from "./registry.ts";

// deno-lint-ignore no-explicit-any
type Message = Record<string, any>;

/** What a method needs: the caller's own service, the operator, or any known identity. */
type Rule =
  | { kind: "register"; id: (req: Message) => string; serviceId: (req: Message) => string }
  | { kind: "own"; serviceId: (req: Message) => string; operatorToo: boolean }
  | { kind: "operator" }
  | { kind: "anyone" };

const V1 = "flowctl.v1.ControlPlaneService";
const LEGACY = "flowctl.ControlPlane";

const RULES: Record<string, Rule> = {
  [`${V1}/RegisterComponent`]: {
    kind: "register",
    id: (req) => req.component?.id || req.component_id || "",
    serviceId: (req) => req.component_id || req.component?.id || "",
  },
  [`${V1}/Heartbeat`]: { kind: "own", serviceId: (req) => req.service_id, operatorToo: false },
  [`${V1}/UnregisterComponent`]: { kind: "own", serviceId: (req) => req.service_id, operatorToo: true },
  [`${V1}/GetComponentStatus`]: { kind: "own", serviceId: (req) => req.service_id, operatorToo: true },
  [`${V1}/DiscoverComponents`]: { kind: "anyone" },
  [`${V1}/ListComponents`]: { kind: "operator" },
  // flowctl's own watch (watch_service.ts): discovery as it changes, for components and the operator.
  ["flowctl.watch.v1.ComponentWatch/Watch"]: { kind: "anyone" },
  [`${LEGACY}/Register`]: {
    kind: "register",
    id: (req) => req.component_id || req.service_id || "",
    serviceId: (req) => req.service_id || "",
  },
  [`${LEGACY}/Heartbeat`]: { kind: "own", serviceId: (req) => req.service_id, operatorToo: false },
  [`${LEGACY}/GetServiceStatus`]: { kind: "own", serviceId: (req) => req.service_id || req.component_id, operatorToo: true },
  [`${LEGACY}/ListServices`]: { kind: "operator" },
  [`${LEGACY}/CreatePipelineRun`]: { kind: "operator" },
  [`${LEGACY}/UpdatePipelineRun`]: { kind: "operator" },
  [`${LEGACY}/GetPipelineRun`]: { kind: "operator" },
  [`${LEGACY}/ListPipelineRuns`]: { kind: "operator" },
  [`${LEGACY}/StopPipelineRun`]: { kind: "operator" },
};

/** Methods with a rule: a new RPC without one is refused to everyone but the operator. */
export const AUTHORIZED_METHODS = Object.keys(RULES);

/** Throws PERMISSION_DENIED when `caller` may not make this call (`service/method`) with this request. */
export function authorize(method: string, request: Message, caller: Identity | undefined, registry: Registry): void {
  const rule = RULES[method] ?? { kind: "operator" };
  const deny = (why: string) => {
    throw new ControlPlaneError("PERMISSION_DENIED", `${describeIdentity(caller)} may not ${why}`);
  };
  if (!caller) deny(`call ${method}: its certificate names no spiffe://flowctl/ identity`);
  if (rule.kind === "anyone") return;
  if (caller!.kind === "operator") {
    if (rule.kind === "operator" || (rule.kind === "own" && rule.operatorToo)) return;
    deny(`call ${method}: only a component does, with its own certificate`);
  }
  const id = (caller as { id: string }).id;
  switch (rule.kind) {
    case "operator":
      return deny(`call ${method}: it needs the operator's certificate`);
    case "register": {
      const claimed = rule.id(request);
      if (claimed !== id) deny(`register as ${JSON.stringify(claimed)}: a component registers only under its own id`);
      const owner = registry.find(rule.serviceId(request))?.component.id;
      if (owner !== undefined && owner !== id) deny(`take over service ${JSON.stringify(rule.serviceId(request))} of "${owner}"`);
      return;
    }
    case "own": {
      const serviceId = rule.serviceId(request) ?? "";
      const owner = registry.find(serviceId)?.component.id;
      // An unknown service is left to the registry, which answers NOT_FOUND.
      if (owner !== undefined && owner !== id) deny(`call ${method} for service ${JSON.stringify(serviceId)} of "${owner}"`);
    }
  }
}

/** The caller as a metric label: `operator`, `component/<id>`, or `none`. */
export function callerLabel(caller: Identity | undefined): string {
  return !caller ? "none" : caller.kind === "operator" ? "operator" : `component/${caller.id}`;
}
