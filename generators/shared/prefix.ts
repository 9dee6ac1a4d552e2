/** The translate request's name prefix (`ir.prefix`, `--prefix`), as every target puts it before a name. */
import type { PipelineIR } from "../../compiler/ir.ts";

/** `<prefix>-<name>`, or the name as it is when no prefix was asked for. */
export function prefixed(ir: PipelineIR, name: string): string {
  return ir.prefix === undefined ? name : `${ir.prefix}-${name}`;
}
