/**
 * Fidelity: what a target does with each setting a user can write. Every
 * generator declares it for every field of the IR's settings (the mapped
 * types below make a forgotten field a type error), and the declarations do
 * three jobs: the translator warns (W_TARGET_DROPPED) at each dropped field
 * the user set, the conformance test checks each claim against the output,
 * and the README's per-target tables are rendered from them.
 */
import type { ComponentSettings, ControlPlaneSettings, PipelineSettings } from "../compiler/ir.ts";

export type FieldSupport =
  /** The field reaches the output, as `how` says. */
  | { use: "used"; how: string }
  /** It reaches the output, except in cases the generator reports itself (at the user's line), as `except` says. */
  | { use: "partial"; how: string; except: string }
  /** It never reaches the output: the translator warns where the user set it. */
  | { use: "dropped"; why: string; hint: string };

export function used(how: string): FieldSupport {
  return { use: "used", how };
}

export function partly(how: string, except: string): FieldSupport {
  return { use: "partial", how, except };
}

export function dropped(why: string, hint: string): FieldSupport {
  return { use: "dropped", why, hint };
}

/** A declaration for every settings field of the IR: the pipeline, its control plane and each component. */
export interface Fidelity {
  pipeline: { readonly [K in keyof PipelineSettings]-?: FieldSupport };
  controlPlane: { readonly [K in keyof ControlPlaneSettings]-?: FieldSupport };
  component: { readonly [K in keyof ComponentSettings]-?: FieldSupport };
}

export type FidelityScope = keyof Fidelity;

/**
 * For generators written outside flowctl: the fields named are declared, and
 * every other one, also those a later flowctl adds, gets `otherwise` (say what
 * the target leaves out and why).
 */
export function declareFidelity(
  named: { [S in FidelityScope]?: Partial<Fidelity[S]> },
  otherwise: FieldSupport,
): Fidelity {
  const scope = (fields: object = {}) =>
    new Proxy({ ...fields } as Record<string, FieldSupport>, {
      get: (declared, field) => typeof field === "string" ? declared[field] ?? otherwise : undefined,
    });
  return {
    pipeline: scope(named.pipeline) as unknown as Fidelity["pipeline"],
    controlPlane: scope(named.controlPlane) as unknown as Fidelity["controlPlane"],
    component: scope(named.component) as unknown as Fidelity["component"],
  };
}
