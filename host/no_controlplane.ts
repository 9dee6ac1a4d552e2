/**
 * Stands in for controlplane/server.ts in the Node builds: the control plane
 * is a Deno program (its store and HTTP port use Deno's APIs), so `flowctl
 * controlplane`, `flowctl server` and `flowctl run` with the bundled control
 * plane say where to find it instead.
 */
import type { ControlPlane, ControlPlaneOptions } from "../controlplane/server.ts";

export function startControlPlane(_options: ControlPlaneOptions): Promise<ControlPlane> {
  return Promise.reject(
    new Error(
      "the Node build of flowctl has no control plane: use the Deno build (scripts/flowctl) or " +
        "the flowctl/control-plane image, or run a pipeline whose spec.controlPlane.enabled is false",
    ),
  );
}
