/** The built-in generators, and a registry that holds them. */
import { dockerCompose } from "./docker-compose/docker_compose.ts";
import { kubernetes } from "./kubernetes/kubernetes.ts";
import { local } from "./local/local.ts";
import { nomad } from "./nomad/nomad.ts";
import { type Generator, GeneratorRegistry } from "./generator.ts";

export const BUILTIN_GENERATORS: readonly Generator[] = [dockerCompose, kubernetes, nomad, local];

/** A fresh registry with the built-in generators; register your own on it. */
export function defaultRegistry(): GeneratorRegistry {
  return new GeneratorRegistry(BUILTIN_GENERATORS);
}

const registered = defaultRegistry();

/**
 * Adds a generator (or replaces one of the same name) in the registry that
 * `compile` and `generate` use when they are given none.
 */
export function registerGenerator(generator: Generator): void {
  registered.register(generator);
}

/** The registry `registerGenerator` adds to: the built-ins and what was registered. */
export function registeredGenerators(): GeneratorRegistry {
  return registered;
}

export { dockerCompose, kubernetes, local, nomad };
export * from "./generator.ts";
