/** The built-in generators, and a registry that holds them. */
import { dockerCompose } from "./docker_compose.ts";
import { kubernetes } from "./kubernetes.ts";
import { local } from "./local.ts";
import { nomad } from "./nomad.ts";
import { type Generator, GeneratorRegistry } from "./generator.ts";

export const BUILTIN_GENERATORS: readonly Generator[] = [dockerCompose, kubernetes, nomad, local];

/** A fresh registry with the built-in generators; register your own on it. */
export function defaultRegistry(): GeneratorRegistry {
  return new GeneratorRegistry(BUILTIN_GENERATORS);
}

export { dockerCompose, kubernetes, local, nomad };
export * from "./generator.ts";
