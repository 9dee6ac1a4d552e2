/**
 * How every target runs the bundled control plane: one name, one command
 * line, one place for its registry. Targets differ only in how they mount the
 * storage and spell addresses.
 */
import { CONTROL_PLANE_DEFAULTS, type ControlPlaneIR } from "../../compiler/ir.ts";

/** The service, Deployment or group name of the control plane. */
export const CONTROL_PLANE_NAME = "flowctl-control-plane";

/** Where the control plane keeps its registry inside its container. */
export const CONTROL_PLANE_DATA = "/var/lib/flowctl";

/** The command that starts it: the user's (e.g. the Go image's `flowctl server`), else the bundled one's flags. */
export function controlPlaneCommand(cp: ControlPlaneIR, dataDir = CONTROL_PLANE_DATA): string[] {
  return cp.command ?? [
    "controlplane",
    "--port",
    String(cp.port),
    "--heartbeat-ttl",
    cp.heartbeatTTL,
    "--db",
    `${dataDir}/registry.db`,
  ];
}

/** Whether the pipeline uses flowctl's own control plane, as is (default image, default command). */
export function isBundledControlPlane(cp: ControlPlaneIR): boolean {
  return cp.enabled && cp.image === CONTROL_PLANE_DEFAULTS.image && !cp.command;
}
