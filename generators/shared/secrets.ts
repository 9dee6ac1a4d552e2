/** The secrets a pipeline's components reference (`env: {NAME: {secret, key}}`), as the targets that read them from an environment name them. */
import type { PipelineIR, SecretIR } from "../../compiler/ir.ts";

/** Each secret key once, by the variable it is read from, in variable order. */
export function secretVariables(ir: PipelineIR): SecretIR[] {
  const byVariable = new Map<string, SecretIR>();
  for (const c of ir.components) for (const s of Object.values(c.secrets)) if (!byVariable.has(s.variable)) byVariable.set(s.variable, s);
  return [...byVariable.values()].sort((a, b) => (a.variable < b.variable ? -1 : a.variable > b.variable ? 1 : 0));
}
