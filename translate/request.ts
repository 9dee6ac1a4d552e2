/**
 * A translation request before any pipeline is read: which targets (names,
 * aliases, "all"), which options (typed from text, each owned by a chosen
 * target, with a value it takes), and the name prefix and image registry that
 * every target applies (prefix_registry.ts). The CLI, the Action and the web service
 * read targets and options in their own syntax and hand them here, so they
 * accept and refuse the same things; each words a problem in its own terms.
 */
import type { Generator, GeneratorRegistry } from "../generators/generator.ts";
import { describeOption, type GeneratorOptions, parseOptionText, resolveOptions } from "../generators/options.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { controlPlaneImageProblem, type PrefixAndRegistry, prefixProblem, registryProblem } from "./prefix_registry.ts";

/** What is wrong with a request. Messages about an option start with `option "<name>"`. */
export interface RequestProblem {
  message: string;
  /** The option concerned, when there is one. */
  option?: string;
  /** For an option that belongs to targets not chosen: those targets. */
  ownedBy?: string[];
  /** The request's own setting concerned (`--prefix`, `--registry`); its message starts with that word. */
  field?: "prefix" | "registry" | "control-plane-image";
}

/** A problem in a host's own terms: `subject` names the option or setting (`--namespace`, `namespace`). */
export function describeProblem(problem: RequestProblem, subject: (option: string) => string, choose: (target: string) => string): string {
  const { option, ownedBy, message, field } = problem;
  if (field !== undefined && message.startsWith(field)) return subject(field) + message.slice(field.length);
  if (option !== undefined && ownedBy) {
    return `${subject(option)} is an option of target ${ownedBy.join(", ")}; ${choose(ownedBy[0])}`;
  }
  const prefix = `option ${JSON.stringify(option)}`;
  return option !== undefined && message.startsWith(prefix) ? subject(option) + message.slice(prefix.length) : message;
}

/** A comma-separated list of targets as users write it (`-t`, the Action's input): "all", or names without blanks. */
export function targetList(text: string | undefined): string[] | "all" | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  if (text.trim() === "all") return "all";
  return text.split(",").map((t) => t.trim()).filter(Boolean);
}

/**
 * Options given as text (`--cpu-mhz-per-core 2400`, `nomad-json=true`), typed
 * as the option of that name says; `undefined` text means a bare name, which
 * only a boolean option takes (as true).
 */
export function parseOptionTexts(
  entries: readonly [name: string, text: string | undefined][],
  registry: GeneratorRegistry = defaultRegistry(),
): { options: GeneratorOptions; problems: RequestProblem[] } {
  const options: GeneratorOptions = {};
  const problems: RequestProblem[] = [];
  const all = registry.names().flatMap((t) => registry.get(t)!.options ?? []);
  for (const [name, text] of entries) {
    const option = all.find((o) => o.name === name);
    if (!option) {
      problems.push({ message: `no target has an option ${JSON.stringify(name)}`, option: name });
      continue;
    }
    const value = text === undefined ? (option.type === "boolean" ? true : undefined) : parseOptionText(option, text);
    if (value === undefined) {
      problems.push({
        message: `option ${JSON.stringify(name)} needs ${option.type === "boolean" ? "true or false" : describeOption(option)}` +
          (text === undefined ? "" : `, not ${JSON.stringify(text)}`),
        option: name,
      });
    } else options[name] = value;
  }
  return { options, problems };
}

/** The request's targets as canonical names (an alias and its name once), and what is wrong with its targets, options, prefix and registry. */
export function resolveRequest(
  request: { targets?: readonly string[] | "all"; options?: GeneratorOptions; registry?: GeneratorRegistry } & PrefixAndRegistry,
): { targets: string[]; problems: RequestProblem[] } {
  const registry = request.registry ?? defaultRegistry();
  const problems: RequestProblem[] = [];
  const targets: string[] = [];
  const asked = request.targets === "all" ? registry.names() : request.targets ?? [];
  for (const name of asked) {
    const generator = registry.get(name);
    if (!generator) problems.push({ message: `unknown target ${JSON.stringify(name)}; targets: ${registry.names().join(", ")}` });
    else if (!targets.includes(generator.name)) targets.push(generator.name);
  }
  // Without targets each pipeline's spec.driver picks one, so any target's option may apply.
  const chosen = (targets.length ? targets : registry.names()).map((name) => registry.get(name)!);
  problems.push(...optionProblems(request.options ?? {}, chosen, registry));
  const badPrefix = request.prefix === undefined ? undefined : prefixProblem(request.prefix);
  if (badPrefix) problems.push({ message: badPrefix, field: "prefix" });
  const badRegistry = request.imageRegistry === undefined ? undefined : registryProblem(request.imageRegistry);
  if (badRegistry) problems.push({ message: badRegistry, field: "registry" });
  const badImage = request.controlPlaneImage === undefined ? undefined : controlPlaneImageProblem(request.controlPlaneImage);
  if (badImage) problems.push({ message: badImage, field: "control-plane-image" });
  return { targets, problems };
}

/** Each option must belong to a chosen target and take the value given. */
function optionProblems(options: GeneratorOptions, chosen: readonly Generator[], registry: GeneratorRegistry): RequestProblem[] {
  const problems: RequestProblem[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const owners = chosen.filter((g) => g.options?.some((o) => o.name === name));
    if (owners.length) {
      const messages = new Set(owners.flatMap((owner) => resolveOptions(owner, { [name]: value }).problems));
      for (const message of messages) problems.push({ message, option: name });
      continue;
    }
    const ownedBy = registry.names().filter((t) => registry.get(t)!.options?.some((o) => o.name === name));
    problems.push(
      ownedBy.length
        ? { message: `option ${JSON.stringify(name)} belongs to target ${ownedBy.join(", ")}, which is not chosen`, option: name, ownedBy }
        : { message: `no target has an option ${JSON.stringify(name)}`, option: name },
    );
  }
  return problems;
}
