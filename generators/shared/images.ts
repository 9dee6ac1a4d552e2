/** Targets that run containers only: a component with only a command cannot run there. */
import { diagnostic, type Diagnostic } from "../../compiler/diagnostics.ts";
import type { ComponentIR } from "../../compiler/ir.ts";

/** E_TARGET_UNSUPPORTED for a command-only component on a target that runs only containers, else nothing. */
export function commandOnly(c: ComponentIR, runtime: string, otherTargets: string): Diagnostic | undefined {
  if (c.image) return undefined;
  return diagnostic(
    "E_TARGET_UNSUPPORTED",
    c.origin,
    `${c.kind} "${c.id}" has only a command; ${runtime} runs containers`,
    `add image: (with command: it overrides the image's entrypoint), or use ${otherTargets}`,
  );
}
