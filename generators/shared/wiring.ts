/**
 * What every target tells a component, as env: where the control plane is
 * (FLOWCTL_*, and FLOWCTL_TLS_* when it speaks TLS), and where each upstream
 * serves (FLOWCTL_INPUTS and FLOWCTL_INPUT_<ID>). Targets differ only in how
 * they spell an address and where the TLS files are.
 */
import { diagnostic, type Diagnostic } from "../../compiler/diagnostics.ts";
import type { ComponentIR, PipelineIR } from "../../compiler/ir.ts";
import { envName } from "../../compiler/format.ts";
import { sortKeys } from "../../compiler/source.ts";
import { valuesOf } from "./entries.ts";
import { componentTlsEnv, type TlsPaths } from "./tls.ts";

export interface Addressing {
  /** `host:port` at which a component's serving port is reached from other components. */
  componentAddress(c: ComponentIR, port: number): string;
  /** `host:port` of the control plane as seen from components. */
  controlPlaneAddress: string;
  /** Target name, for messages. */
  target: string;
  /** Where this component finds its TLS files; default: where containers see them (/etc/flowctl/tls). */
  tlsPaths?: TlsPaths;
}

/** The component's full env for a target: its own env plus wiring, keys sorted. */
export function wiredEnv(
  ir: PipelineIR,
  c: ComponentIR,
  addressing: Addressing,
): { env: Record<string, string>; diagnostics: Diagnostic[] } {
  const env: Record<string, string> = valuesOf(c.env);
  const diagnostics: Diagnostic[] = [];
  const byId = componentsById(ir);

  const force = (key: string, value: string) => {
    const mine = c.env[key]?.value;
    if (mine !== undefined && mine !== value) {
      diagnostics.push(diagnostic(
        "W_ENV_REPLACED",
        c.env[key].origin,
        `${key}=${JSON.stringify(mine)} of "${c.id}" would not work on ${addressing.target}; it is set to ${JSON.stringify(value)}`,
        `remove ${key} from env; flowctl sets it for every target`,
      ));
    }
    env[key] = value;
  };
  if (ir.controlPlane.enabled) {
    force("ENABLE_FLOWCTL", "true");
    force("FLOWCTL_ENDPOINT", addressing.controlPlaneAddress);
    // The user's own interval and id are kept: the target does not break them.
    env.FLOWCTL_HEARTBEAT_INTERVAL ??= ir.controlPlane.heartbeatInterval;
    env.FLOWCTL_COMPONENT_ID ??= c.id;
    // The paths are where the target put the files: another value would not find them.
    const tls = ir.controlPlane.tls;
    if (tls) for (const [key, value] of Object.entries(componentTlsEnv(tls, addressing.tlsPaths))) force(key, value);
  }

  const pairs: string[] = [];
  for (const id of c.inputs) {
    const upstream = byId.get(id)!;
    if (!upstream.serving) {
      diagnostics.push(diagnostic(
        "W_NO_UPSTREAM_PORT",
        c.origins.inputs ?? c.origin,
        `"${c.id}" reads from "${id}", which has no serving port, so FLOWCTL_INPUT_${envName(id)} is not set`,
        `give "${id}" a ports entry, or PORT in its env`,
      ));
      continue;
    }
    const address = addressing.componentAddress(upstream, upstream.serving.port);
    pairs.push(`${id}=${address}`);
    env[`FLOWCTL_INPUT_${envName(id)}`] = address;
  }
  if (pairs.length) env.FLOWCTL_INPUTS = pairs.join(",");
  return { env: sortKeys(env), diagnostics };
}

const indexes = new WeakMap<PipelineIR, Map<string, ComponentIR>>();

/** Id → component, built once per IR (wiring runs once per component). */
export function componentsById(ir: PipelineIR): Map<string, ComponentIR> {
  let index = indexes.get(ir);
  if (!index) indexes.set(ir, index = new Map(ir.components.map((x) => [x.id, x])));
  return index;
}
