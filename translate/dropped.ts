/**
 * W_TARGET_DROPPED for every setting the user wrote that the target declares
 * it leaves out (generators/fidelity.ts), at the line and column where the
 * user wrote it. Generators do not report these themselves, so none can be
 * forgotten.
 */
import { diagnostic, type Diagnostic, type Location } from "../compiler/diagnostics.ts";
import type { PipelineIR } from "../compiler/ir.ts";
import { SETTING_KEYS } from "../compiler/normalize.ts";
import type { FieldSupport, FidelityScope } from "../generators/fidelity.ts";
import type { Generator, GeneratorOptions } from "../generators/generator.ts";

export function droppedSettings(ir: PipelineIR, generator: Generator): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Settings only (not an id, say), each looked up by name, so a declaration that answers for any name works too.
  const check = (scope: FidelityScope, origins: Readonly<Record<string, Location | undefined>>, owner: string) => {
    for (const field of Object.keys(SETTING_KEYS[scope])) {
      const where = origins[field];
      const support = (generator.fidelity[scope] as Record<string, FieldSupport | undefined>)[field];
      if (!where || support?.use !== "dropped") continue;
      // The key as the user spelled it: the last step of its path.
      const key = /([^.[\]"]+)"?\]?$/.exec(where.path)?.[1] ?? field;
      out.push(diagnostic("W_TARGET_DROPPED", where, `${generator.name} leaves out ${key} of ${owner}: ${support.why}`, support.hint));
    }
  };
  check("pipeline", ir.origins, `pipeline "${ir.name}"`);
  if (ir.controlPlane.enabled) check("controlPlane", ir.controlPlane.origins, "the control plane");
  for (const c of ir.components) check("component", c.origins, `"${c.id}"`);
  return out;
}

/** W_TARGET_DROPPED for each option set (not false) that the target declares it cannot honour (`declinedOptions`). */
export function declinedOptions(generator: Generator, given: GeneratorOptions, where: Location): Diagnostic[] {
  return Object.entries(generator.declinedOptions ?? {})
    .filter(([name]) => given[name] !== undefined && given[name] !== false)
    .map(([name, { why, hint }]) => diagnostic("W_TARGET_DROPPED", where, `${generator.name} leaves out option "${name}": ${why}`, hint));
}
