/**
 * The intermediate representation: a checked pipeline with defaults applied,
 * registry types resolved and components in topological order. Types only. It
 * knows no target: nothing specific to compose, Kubernetes, Nomad or a shell
 * belongs here. Generators see only this.
 *
 * The `…Settings` interfaces hold what a user writes. They are the unit of
 * fidelity: every target declares, per settings field, whether it uses it or
 * why it leaves it out (generators/fidelity.ts), and the compiler rejects a
 * target that forgets one. Everything else here is derived or identity.
 */
import type { Location } from "./diagnostics.ts";

export type ComponentKind = "source" | "processor" | "sink" | "pipeline";
export type Protocol = "TCP" | "UDP" | "SCTP";
export type RestartPolicy = "no" | "always" | "on-failure" | "unless-stopped";

/** Where the user wrote each field of a record, keyed by the record's own field names; absent when not written. */
export type Origins<T> = { readonly [K in keyof T]?: Location };

/** One entry of a string map (env, labels, annotations) and where it was written. */
export interface EntryIR {
  value: string;
  origin: Location;
}

/** An env value the target's engine holds, never written anywhere: a key of a named secret (`{secret, key}`). */
export interface SecretIR {
  secret: string;
  key: string;
  /** The environment variable docker compose and run.sh read it from: `<SECRET>_<KEY>`, upper case, other characters `_`. */
  variable: string;
  origin: Location;
}

/** A file put into the component's filesystem: its absolute path and its text, byte for byte. */
export interface FileIR {
  path: string;
  content: string;
  origin: Location;
}

export interface PortIR {
  name?: string;
  containerPort: number;
  hostPort?: number;
  protocol: Protocol;
  origin: Location;
}

export interface VolumeIR {
  name: string;
  mountPath: string;
  /** Set for bind mounts of a host path; absent for named volumes. */
  hostPath?: string;
  readonly: boolean;
  origin: Location;
}

export interface ResourceListIR {
  cpu?: string | number;
  memory?: string | number;
}

export interface ResourcesIR {
  requests?: ResourceListIR;
  limits?: ResourceListIR;
}

/** How often and how patiently a target probes a health endpoint. */
export interface HealthTiming {
  intervalSeconds: number;
  timeoutSeconds: number;
  /** Failures in a row before the endpoint counts as unhealthy. */
  retries: number;
  /** Grace after start during which failures do not count. */
  startPeriodSeconds: number;
}

export interface HealthIR extends HealthTiming {
  /** HTTP path, from `health_check`. */
  path: string;
  /** From `health_port`, else `HEALTH_PORT` in env. */
  port: number;
  /** Where that port was written. */
  portOrigin: Location;
}

/** The port a component serves its stream on: its first port, else PORT or GRPC_PORT in its env. */
export interface ServingIR {
  port: number;
  protocol: Protocol;
  origin: Location;
}

/** What a user sets on a component. */
export interface ComponentSettings {
  /** The image to run; from `image`, else resolved from a registry `type`. */
  image?: string;
  /** The program to run (with an image: overrides its entrypoint). */
  command?: string[];
  args: string[];
  /** Upstream ids, in the order of `inputs`. */
  inputs: string[];
  /** Extra start-order dependencies (`depends_on`, pipelines section). */
  dependsOn: string[];
  /** The user's env plus FLOW_CONFIG_* from `config`; keys sorted. */
  env: Record<string, EntryIR>;
  /** Env values that are secret references, by env name; keys sorted. Never in `env`. */
  secrets: Record<string, SecretIR>;
  ports: PortIR[];
  volumes: VolumeIR[];
  /** `files`: text files at absolute paths (a `source` is read by the host before normalizing). */
  files: FileIR[];
  health?: HealthIR;
  /** Absent when the user did not say (targets use 1). */
  replicas?: number;
  resources?: ResourcesIR;
  restartPolicy?: RestartPolicy;
  description?: string;
  /** `inputEventTypes` / `input_event_types`: what the component says it reads. */
  inputEventTypes: string[];
  /** `outputEventTypes` / `output_event_types`: what it says it writes. */
  outputEventTypes: string[];
  /** `health_endpoint`: an address the component reports itself. */
  healthEndpoint?: string;
}

export interface ComponentIR extends ComponentSettings {
  id: string;
  kind: ComponentKind;
  /** Ids of the components that list this one as an input, in topological order. */
  downstreams: string[];
  serving?: ServingIR;
  origin: Location;
  origins: Origins<ComponentSettings & { id: string }>;
}

/** TLS between the control plane and every component (`spec.controlPlane.tls`): on when present. */
export interface TlsIR {
  /** `mutual`: every component presents its own certificate; `server`: only the control plane has one. */
  mode: "mutual" | "server";
  /** The folder `flowctl tls certs` wrote, relative to the pipeline file. */
  dir: string;
}

/** What a user sets under `spec.controlPlane`. */
export interface ControlPlaneSettings {
  enabled: boolean;
  image: string;
  /** Overrides the image's entrypoint, e.g. `[flowctl, server, --port, "8080"]` for the Go image. */
  command?: string[];
  port: number;
  heartbeatInterval: string;
  heartbeatTTL: string;
  /** Name of the volume that holds its registry. */
  storage: string;
  tls?: TlsIR;
}

export interface ControlPlaneIR extends ControlPlaneSettings {
  /** How targets probe it (its gRPC port). */
  probe: HealthTiming;
  origin: Location;
  origins: Origins<ControlPlaneSettings>;
}

/** What a user sets for the whole pipeline (`metadata`, `spec.description`, `spec.config`). */
export interface PipelineSettings {
  name: string;
  namespace?: string;
  /** `spec.description`, else `metadata.description`. */
  description?: string;
  labels: Record<string, EntryIR>;
  annotations: Record<string, EntryIR>;
  /** `spec.config`: pipeline-wide settings. */
  config: Record<string, unknown>;
}

export interface PipelineIR extends PipelineSettings {
  /** The pipeline's preferred target (`spec.driver`), as written; the translator reads it, no target does. */
  driver?: string;
  /**
   * Not from the file: the translate request's name prefix (`--prefix`). A
   * target starts with `<prefix>-` the names it gives what it creates, so two
   * copies of a pipeline can run side by side. Absent: names as they are.
   */
  prefix?: string;
  controlPlane: ControlPlaneIR;
  /** Topological order: every component comes after its inputs and depends_on. */
  components: ComponentIR[];
  origin: Location;
  origins: Origins<PipelineSettings>;
}
