/**
 * The two settings of a translate request that every target applies, as the
 * Go flowctl's `--prefix` and `--registry` did: a name prefix for what the
 * output creates, and a registry for images named without one. Both act on
 * the IR before a generator sees it, so the IR and the generators stay pure.
 */
import type { PipelineIR } from "../compiler/ir.ts";

export interface PrefixAndRegistry {
  /** Put as `<prefix>-` before the names a target gives what it creates (each target's `prefix` says which). */
  prefix?: string;
  /** Put as `<registry>/` before every image whose reference holds no `/` (`postgres:16`, not `acme/sink:1`). */
  imageRegistry?: string;
  /** The control plane's image, in place of `spec.controlPlane.image` (e.g. the one pushed to your registry). */
  controlPlaneImage?: string;
}

/** A DNS label that starts with a letter, so that every target can start a name with it (Kubernetes Services must). */
const PREFIX = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Room left in a 63-character DNS label for the name after the prefix. */
const PREFIX_MAX = 40;
/** A registry host (`ghcr.io`, `localhost:5000`, or a Docker Hub organisation) and repository path parts. */
const REGISTRY = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/;

/** Why a prefix cannot be used, or undefined. The message starts with `prefix`. */
export function prefixProblem(prefix: string): string | undefined {
  if (PREFIX.test(prefix) && prefix.length <= PREFIX_MAX) return undefined;
  return `prefix ${JSON.stringify(prefix)} cannot start names on every target: use lower-case letters, digits and '-', ` +
    `starting with a letter and ending with a letter or digit, at most ${PREFIX_MAX} (e.g. "dev" or "team-a")`;
}

/** Why an image registry cannot be used, or undefined. The message starts with `registry`. */
export function registryProblem(registry: string): string | undefined {
  if (REGISTRY.test(trimRegistry(registry))) return undefined;
  return `registry ${JSON.stringify(registry)} is not a registry to put before image names: ` +
    `give a host, with a port and a path if needed (e.g. ghcr.io/acme, localhost:5000, registry.example.com/team)`;
}

/** An image reference: `[host[:port]/]path[:tag][@sha256:digest]`, lower-case path parts. */
const IMAGE = /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?\/)?[a-z0-9]+([._-]+[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/;

/** Why an image cannot be the control plane's, or undefined. The message starts with `control-plane-image`. */
export function controlPlaneImageProblem(image: string): string | undefined {
  if (IMAGE.test(image) && image.length <= 255) return undefined;
  return `control-plane-image ${JSON.stringify(image)} is not an image reference: give [registry/]repository[:tag] ` +
    `(e.g. ghcr.io/acme/flowctl/control-plane:0.1.0)`;
}

/** `ghcr.io/acme/` and `ghcr.io/acme` are the same registry: images get one `/` after it. */
function trimRegistry(registry: string): string {
  return registry.replace(/\/+$/, "");
}

/** An image with the registry before it, when its reference names none (holds no `/`), as the Go flowctl did. */
export function withRegistry(image: string, registry: string): string {
  return image.includes("/") ? image : `${trimRegistry(registry)}/${image}`;
}

/**
 * The IR with the prefix recorded, the registry put before the images of the
 * components and the control plane, and the control plane's image replaced
 * when one was given (as it is: no registry is put before it).
 */
export function applyPrefixAndRegistry(ir: PipelineIR, settings: PrefixAndRegistry): PipelineIR {
  const { prefix, imageRegistry, controlPlaneImage } = settings;
  if (prefix === undefined && imageRegistry === undefined && controlPlaneImage === undefined) return ir;
  const image = (reference: string) => (imageRegistry === undefined ? reference : withRegistry(reference, imageRegistry));
  return {
    ...ir,
    ...(prefix !== undefined && { prefix }),
    controlPlane: { ...ir.controlPlane, image: controlPlaneImage ?? image(ir.controlPlane.image) },
    components: ir.components.map((c) => (c.image === undefined ? c : { ...c, image: image(c.image) })),
  };
}
