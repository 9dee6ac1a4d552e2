/**
 * How every target runs the bundled control plane: one name, one command
 * line, one place for its registry. Targets differ only in how they mount the
 * storage and spell addresses.
 */
import { CONTROL_PLANE_DEFAULTS } from "../../compiler/format.ts";
import type { ControlPlaneIR, PipelineIR } from "../../compiler/ir.ts";
import { controlPlaneTlsEnv, controlPlaneTlsFlags } from "./tls.ts";
import { topologyText } from "../../graph/topology.ts";
import { topologyOf } from "./topology.ts";

/** The service, Deployment or group name of the control plane. */
export const CONTROL_PLANE_NAME = "flowctl-control-plane";

/** Where the control plane keeps its registry inside its container. */
export const CONTROL_PLANE_DATA = "/var/lib/flowctl";

/** The bundled control plane's HTTP port (/health, /metrics, /api/services): its default, which the image keeps. */
export const CONTROL_PLANE_HTTP_PORT = 8081;

/**
 * Whether the control plane runs flowctl's image as is, maybe from another
 * registry (`registry.example.com/flowctl/control-plane:0.1.0`): then it has
 * the image's health check and its `wait` and `health` commands.
 */
export function runsFlowctlImage(cp: ControlPlaneIR): boolean {
  return !cp.command && /(^|\/)flowctl\/control-plane(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/.test(cp.image);
}

/** The image that carries flowctl's `wait` command: the pipeline's control-plane image when it is flowctl's, else the default. */
export function helperImage(cp: ControlPlaneIR): string {
  return runsFlowctlImage(cp) ? cp.image : CONTROL_PLANE_DEFAULTS.image;
}

/** The command that starts it: the user's (e.g. the Go image's `flowctl server`), else the bundled one's flags (TLS ones too). */
export function controlPlaneCommand(cp: ControlPlaneIR, dataDir = CONTROL_PLANE_DATA): string[] {
  return cp.command ?? [
    "controlplane",
    "--port",
    String(cp.port),
    "--heartbeat-ttl",
    cp.heartbeatTTL,
    "--db",
    `${dataDir}/registry.db`,
    ...(cp.tls ? controlPlaneTlsFlags(cp.tls) : []),
  ];
}

/** Whether the control plane runs flowctl's own image (which this machine's flowctl can stand in for). */
export function isBundledImage(cp: ControlPlaneIR): boolean {
  return cp.image === CONTROL_PLANE_DEFAULTS.image;
}

/** Whether the pipeline uses flowctl's own control plane, as is (default image, default command). */
export function isBundledControlPlane(cp: ControlPlaneIR): boolean {
  return cp.enabled && isBundledImage(cp) && !cp.command;
}

/** Names a target uses itself, and what for: components must not take them. */
export function reservedNames(ir: PipelineIR, name: (base: string) => string = (base) => base): Map<string, string> {
  return new Map(ir.controlPlane.enabled ? [[name(CONTROL_PLANE_NAME), "the control plane"]] : []);
}

/**
 * The control plane's env: the pipeline's graph for flowctl's own (its page
 * draws it, /metrics judges its edges; another image has no use for it), and
 * under TLS the CA its image's health check trusts.
 */
export function controlPlaneEnv(ir: PipelineIR): Record<string, string> | undefined {
  const cp = ir.controlPlane;
  const env: Record<string, string> = {
    ...(cp.tls && controlPlaneTlsEnv()),
    ...((isBundledImage(cp) || runsFlowctlImage(cp)) && { FLOWCTL_TOPOLOGY: topologyText(topologyOf(ir)) }),
  };
  return Object.keys(env).length ? env : undefined;
}
