/**
 * The intermediate representation: a validated pipeline with defaults applied,
 * registry types resolved and components in topological order. It knows no
 * target: nothing specific to compose, Kubernetes, Nomad or a shell belongs
 * here. Generators see only this.
 */

/** Where a value came from in the user's file (1-based). */
export interface Origin {
  file: string;
  line: number;
  column: number;
  path: string;
}

export type ComponentKind = "source" | "processor" | "sink" | "pipeline";
export type Protocol = "TCP" | "UDP" | "SCTP";

export interface PortIR {
  name?: string;
  containerPort: number;
  hostPort?: number;
  protocol: Protocol;
}

export interface VolumeIR {
  name: string;
  mountPath: string;
  /** Set for bind mounts of a host path; absent for named volumes. */
  hostPath?: string;
  readonly: boolean;
}

export interface ResourceListIR {
  cpu?: string;
  memory?: string;
}

export interface ResourcesIR {
  requests?: ResourceListIR;
  limits?: ResourceListIR;
}

export interface HealthIR {
  path: string;
  port: number;
}

export type RestartPolicy = "no" | "always" | "on-failure" | "unless-stopped";

export interface ComponentIR {
  id: string;
  kind: ComponentKind;
  /** The user's `type` (a label, or a registry reference). */
  type?: string;
  /** The image to run; from `image`, else resolved from a registry `type`. */
  image?: string;
  /** The program to run (with an image: overrides its entrypoint). */
  command?: string[];
  args: string[];
  /** Upstream ids, in the order of `inputs`. */
  inputs: string[];
  /** Extra start-order dependencies (`depends_on`, pipelines section). */
  dependsOn: string[];
  /** Ids of the components that list this one as an input, in topological order. */
  downstreams: string[];
  /** The user's env plus FLOW_CONFIG_* from `config`; keys sorted. */
  env: Record<string, string>;
  ports: PortIR[];
  /** The port this component serves its stream on: first port, else PORT/GRPC_PORT in env. */
  serving?: { port: number; protocol: Protocol };
  volumes: VolumeIR[];
  health?: HealthIR;
  /** Absent when the user did not say (targets use 1). */
  replicas?: number;
  resources?: ResourcesIR;
  restartPolicy?: RestartPolicy;
  origin: Origin;
  /** Origins of individual fields, keyed by their path below the component (`env.PORT`, `resources`, `ports.0`). */
  origins: Record<string, Origin>;
}

export interface ControlPlaneIR {
  enabled: boolean;
  image: string;
  /** Overrides the image's entrypoint, e.g. `[flowctl, server, --port, "8080"]` for the Go image. */
  command?: string[];
  port: number;
  heartbeatInterval: string;
  heartbeatTTL: string;
  /** Name of the volume that holds its registry. */
  storage: string;
  origin: Origin;
}

export interface PipelineIR {
  name: string;
  namespace?: string;
  description?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The pipeline's preferred target (`spec.driver`), as written. */
  driver?: string;
  controlPlane: ControlPlaneIR;
  /** Topological order: every component comes after its inputs and depends_on. */
  components: ComponentIR[];
  config: Record<string, unknown>;
  origin: Origin;
  /** Origins of `metadata.<key>`, `metadata.labels.<key>` and `metadata.annotations.<key>`. */
  origins: Record<string, Origin>;
}

export const CONTROL_PLANE_DEFAULTS = {
  image: "flowctl/control-plane:0.1.0",
  port: 8080,
  heartbeatInterval: "10s",
  heartbeatTTL: "30s",
  storage: "flowctl-control-plane-data",
} as const;
