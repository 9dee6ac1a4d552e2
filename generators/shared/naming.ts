/**
 * Target names for components. A target may have to change an id (compose
 * service names, DNS-1123 labels); when two ids end up as one name, every
 * component involved gets an error at its own line.
 */
import { diagnostic, type Diagnostic } from "../../compiler/diagnostics.ts";
import type { PipelineIR } from "../../compiler/ir.ts";

export function assignNames(
  ir: PipelineIR,
  target: string,
  rename: (id: string) => string,
  /** Names the target itself uses, and what for (`the control plane`). */
  reserved: ReadonlyMap<string, string> = new Map(),
): { names: Map<string, string>; diagnostics: Diagnostic[] } {
  const names = new Map<string, string>();
  const owners = new Map<string, string[]>();
  for (const c of ir.components) {
    const name = rename(c.id);
    names.set(c.id, name);
    owners.get(name)?.push(c.id) ?? owners.set(name, [c.id]);
  }
  const diagnostics: Diagnostic[] = [];
  for (const c of ir.components) {
    const name = names.get(c.id)!;
    const others = owners.get(name)!.filter((id) => id !== c.id).map((id) => JSON.stringify(id));
    const use = reserved.get(name);
    if (!others.length && use === undefined) continue;
    diagnostics.push(diagnostic(
      "E_NAME_COLLISION",
      c.origins.id ?? c.origin,
      `"${c.id}" becomes ${target} name "${name}", which ${
        others.length ? `${others.join(", ")} also become${others.length === 1 ? "s" : ""}` : `${use} uses`
      }`,
      "rename one of them; ids that differ only in case or punctuation collide",
    ));
  }
  return { names, diagnostics };
}
