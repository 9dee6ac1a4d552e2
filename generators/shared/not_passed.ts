/**
 * Settings the pipeline format accepts that no target passes on, with the
 * words every target's fidelity declaration uses for them.
 */
import { diagnostic, type Diagnostic } from "../../compiler/diagnostics.ts";
import type { ControlPlaneIR } from "../../compiler/ir.ts";
import { dropped } from "../fidelity.ts";

export const NOT_PASSED = {
  config: dropped(
    "spec.config is pipeline-wide data that flowctl passes to no component",
    "put the settings into the config of each component that needs them (they become FLOW_CONFIG_* env)",
  ),
  inputEventTypes: dropped(
    "a component declares the event types it reads when it registers with the control plane; flowctl passes nothing for them",
    "let the component register them, and remove them here",
  ),
  outputEventTypes: dropped(
    "a component declares the event types it writes when it registers with the control plane; flowctl passes nothing for them",
    "let the component register them, and remove them here",
  ),
  healthEndpoint: dropped(
    "a component reports its own health endpoint when it registers with the control plane",
    "for a check the target runs, use health_check and health_port",
  ),
} as const;

/** The bundled control plane's flags that a `command` of the user's own replaces. */
export function flagsReplacedByCommand(cp: ControlPlaneIR, target: string): Diagnostic[] {
  if (!cp.enabled || !cp.command || !cp.origins.heartbeatTTL) return [];
  return [diagnostic(
    "W_TARGET_DROPPED",
    cp.origins.heartbeatTTL,
    `heartbeatTTL is not passed to the control plane on ${target}: spec.controlPlane.command replaces the command that carries it`,
    "put the TTL flag of your control plane (e.g. --heartbeat-ttl) into command",
  )];
}
