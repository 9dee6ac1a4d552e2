/**
 * The built-in generators, as one list, and a registry that holds them. There
 * is no registry shared behind the caller's back: whoever translates passes
 * the registry to use, or gets a fresh one of these.
 */
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

export { dockerCompose, kubernetes, local, nomad };
export * from "./generator.ts";
export * from "./fidelity.ts";
