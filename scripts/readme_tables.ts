/**
 * The README's fidelity tables, rendered from the targets' declarations
 * (generators/fidelity.ts): one overview of every setting × target, and per
 * target what it does with each setting. They sit between marker comments
 * in README.md; the rest of the README is left as it is.
 *
 *   deno task docs       rewrite them (a test fails when they are stale)
 */
import { SETTING_KEYS } from "../compiler/normalize.ts";
import type { FieldSupport, FidelityScope } from "../generators/fidelity.ts";
import type { Generator } from "../generators/generator.ts";
import { BUILTIN_GENERATORS } from "../generators/mod.ts";

const SCOPES: { scope: FidelityScope; key: (field: string) => string }[] = [
  { scope: "pipeline", key: (f) => SETTING_KEYS.pipeline[f as keyof typeof SETTING_KEYS.pipeline] },
  { scope: "controlPlane", key: (f) => `spec.controlPlane.${SETTING_KEYS.controlPlane[f as keyof typeof SETTING_KEYS.controlPlane]}` },
  { scope: "component", key: (f) => SETTING_KEYS.component[f as keyof typeof SETTING_KEYS.component] },
];

function rows(): { scope: FidelityScope; field: string; label: string }[] {
  return SCOPES.flatMap(({ scope, key }) =>
    Object.keys(SETTING_KEYS[scope]).map((field) => ({
      scope,
      field,
      label: key(field).split(", ").map((k) => `\`${k}\``).join(", "),
    }))
  );
}

function support(generator: Generator, scope: FidelityScope, field: string): FieldSupport {
  return (generator.fidelity[scope] as Record<string, FieldSupport>)[field];
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** Every setting × target: used, partly (the target says where), or left out (with a warning). */
export function overviewTable(generators: readonly Generator[] = BUILTIN_GENERATORS): string {
  const mark = { used: "yes", partial: "partly", dropped: "left out, warned" } as const;
  return [
    `| setting | ${generators.map((g) => g.name).join(" | ")} |`,
    `|---|${generators.map(() => "---").join("|")}|`,
    ...rows().map((r) => `| ${r.label} | ${generators.map((g) => mark[support(g, r.scope, r.field).use]).join(" | ")} |`),
  ].join("\n");
}

/** What one target does with each setting. */
export function targetTable(generator: Generator): string {
  const text = (s: FieldSupport) =>
    s.use === "used"
      ? s.how
      : s.use === "partial"
      ? `${s.how}; **but** ${s.except}`
      : `**left out** (W_TARGET_DROPPED): ${s.why}`;
  return [
    `| setting | ${generator.name} |`,
    "|---|---|",
    ...rows().map((r) => `| ${r.label} | ${cell(text(support(generator, r.scope, r.field)))} |`),
  ].join("\n");
}

/** The README with every marked table rendered anew: `<!-- fidelity NAME -->` … `<!-- /fidelity -->`. */
export function renderTables(readme: string, generators: readonly Generator[] = BUILTIN_GENERATORS): string {
  const seen = new Set<string>();
  const out = readme.replace(/(<!-- fidelity ([\w-]+) -->\n)[\s\S]*?(<!-- \/fidelity -->)/g, (_all, open, name, close) => {
    seen.add(name);
    if (name === "overview") return `${open}${overviewTable(generators)}\n${close}`;
    const generator = generators.find((g) => g.name === name);
    if (!generator) throw new Error(`README marks a fidelity table for ${name}, which is no target`);
    return `${open}${targetTable(generator)}\n${close}`;
  });
  const missing = ["overview", ...generators.map((g) => g.name)].filter((n) => !seen.has(n));
  if (missing.length) throw new Error(`README has no fidelity table for ${missing.join(", ")}`);
  return out;
}

if (import.meta.main) {
  const path = new URL("../README.md", import.meta.url);
  await Deno.writeTextFile(path, renderTables(await Deno.readTextFile(path)));
}
