/**
 * The ports a component listens on, derived once for every target: each
 * declared port, then the serving port found in env (when no port is
 * declared), then the health port when no other entry has it. Targets take
 * the view they need: Kubernetes the served ones, Nomad a label for each, the
 * local target the set (everything shares one machine there).
 */
import type { Location } from "../../compiler/diagnostics.ts";
import type { ComponentIR, PortIR, Protocol } from "../../compiler/ir.ts";

export interface Listener {
  port: number;
  protocol: Protocol;
  /** The `ports` entry this is, if it is one. */
  declared?: PortIR;
  /** The component serves its stream here (first port, else PORT/GRPC_PORT in env). */
  serving: boolean;
  /** Its health endpoint answers here. */
  health: boolean;
  /** Where the port was written. */
  origin: Location;
}

export function listeners(c: ComponentIR): Listener[] {
  const out: Listener[] = c.ports.map((p) => ({ port: p.containerPort, protocol: p.protocol, declared: p, serving: false, health: false, origin: p.origin }));
  const find = (port: number) => out.find((l) => l.port === port);
  if (c.serving) {
    const known = find(c.serving.port);
    if (known) known.serving = true;
    else out.push({ port: c.serving.port, protocol: c.serving.protocol, serving: true, health: false, origin: c.serving.origin });
  }
  if (c.health) {
    const known = find(c.health.port);
    if (known) known.health = true;
    else out.push({ port: c.health.port, protocol: "TCP", serving: false, health: true, origin: c.health.portOrigin });
  }
  return out;
}
