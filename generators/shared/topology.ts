/** The pipeline's graph as every picture, and the control plane, take it (graph/topology.ts). */
import type { PipelineIR } from "../../compiler/ir.ts";
import type { Topology } from "../../graph/topology.ts";

export function topologyOf(ir: PipelineIR): Topology {
  return {
    pipeline: ir.name,
    components: ir.components.map((c) => ({
      id: c.id,
      kind: c.kind,
      label: (c.image ?? c.command?.join(" ") ?? "").replace(/\s+/g, " "),
      inputs: [...c.inputs],
    })),
  };
}
