// Generated from schemas/pipeline.cue by scripts/schemas.ts (deno task schema); do not edit.
// A pipeline document as the CUE schema accepts it: what normalize reads once CUE found no error.
/**
 * Not blank, and one line of printable text: a control character (a CR,
 * say) cannot be written into every target's files. (At least one character
 * that is neither a control character nor a space.)
 */
export type Name = string;
/**
 * Numbers and booleans in env, command and args are kept as the text the user wrote.
 */
export type Scalar = string | number | boolean;
export type PortNumber = number;
export type Duration = string;
/**
 * The docker compose short form: "./data:/data", "cache:/cache:ro".
 */
export type VolumeShort = string;
/**
 * Kubernetes quantity syntax: 250m, 0.5, 2, 512Mi, 1G, 1e3.
 */
export type CPU = string | number;
export type Memory = string | number;

export interface Pipeline {
  apiVersion: "flowctl/v1";
  kind: "Pipeline";
  metadata: Metadata;
  spec: Spec;
  [k: `x-${string}`]: unknown;
}
export interface Metadata {
  name: Name;
  namespace?: Name;
  description?: string;
  labels?: {
    [k: string]: string;
  };
  annotations?: {
    [k: string]: string;
  };
}
export interface Spec {
  description?: string;
  driver?: "process" | "local" | "docker" | "container" | "kubernetes" | "k8s" | "nomad";
  controlPlane?: ControlPlane;
  sources?: Component[];
  processors?: Component[];
  sinks?: Component[];
  pipelines?: PipelineComponent[];
  config?: {
    [k: string]: unknown;
  };
}
export interface ControlPlane {
  enabled?: boolean;
  image?: Name;
  /**
   * @minItems 1
   */
  command?: [Scalar, ...Scalar[]];
  port?: PortNumber;
  heartbeatInterval?: Duration;
  heartbeatTTL?: Duration;
  storage?: Name;
  tls?: TLS;
}
/**
 * mode: "mutual" (default): every component presents its own client
 * certificate; "server": only the control plane has one. dir (default
 * "tls"): the folder of the certificates, relative to the pipeline file,
 * inside it (no ".."), in characters every target writes as they are.
 */
export interface TLS {
  mode?: "mutual" | "server";
  dir?: string;
}
export interface Component {
  id: Name;
  type?: Name;
  description?: string;
  image?: Name;
  /**
   * @minItems 1
   */
  command?: [Scalar, ...Scalar[]];
  /**
   * One string (often a YAML block scalar) is one argument.
   */
  args?: Scalar[] | string;
  env?: {
    [k: string]: Scalar | SecretRef;
  };
  config?: {
    [k: string]: unknown;
  };
  ports?: Port[];
  volumes?: (Volume | VolumeShort)[];
  files?: File[];
  health_check?: string;
  health_port?: PortNumber;
  health_endpoint?: string;
  replicas?: number;
  resources?: {
    requests?: ResourceList;
    limits?: ResourceList;
  };
  inputEventTypes?: string[];
  outputEventTypes?: string[];
  input_event_types?: string[];
  output_event_types?: string[];
  /**
   * Counts (sources none, processors and sinks at least one) are graph
   * checks, which can say more than a schema error.
   */
  inputs?: Name[];
}
/**
 * An env value kept out of every generated file: a key of a secret the
 * target's engine holds (a Kubernetes Secret, a Nomad Variable, an
 * environment variable of docker compose or run.sh).
 */
export interface SecretRef {
  secret: string;
  key: string;
}
export interface Port {
  name?: Name;
  containerPort: PortNumber;
  hostPort?: PortNumber;
  protocol?: "TCP" | "UDP" | "SCTP";
}
export interface Volume {
  name: Name;
  mountPath?: Name;
  container_path?: Name;
  hostPath?: Name;
  host_path?: Name;
  readonly?: boolean;
}
/**
 * A file put into the component's filesystem at an absolute path: its text
 * inline (content) or read by flowctl from a file beside the pipeline
 * (source, relative to the pipeline file); one of the two.
 */
export interface File {
  path: string;
  content?: string;
  source?: Name;
}
export interface ResourceList {
  cpu?: CPU;
  memory?: Memory;
}
export interface PipelineComponent {
  id: Name;
  type?: "pipeline";
  description?: string;
  image?: Name;
  /**
   * @minItems 1
   */
  command?: [Scalar, ...Scalar[]];
  /**
   * One string (often a YAML block scalar) is one argument.
   */
  args?: Scalar[] | string;
  env?: {
    [k: string]: Scalar | SecretRef;
  };
  config?: {
    [k: string]: unknown;
  };
  ports?: Port[];
  volumes?: (Volume | VolumeShort)[];
  files?: File[];
  health_check?: string;
  health_port?: PortNumber;
  health_endpoint?: string;
  replicas?: number;
  resources?: {
    requests?: ResourceList;
    limits?: ResourceList;
  };
  inputEventTypes?: string[];
  outputEventTypes?: string[];
  input_event_types?: string[];
  output_event_types?: string[];
  /**
   * Counts (sources none, processors and sinks at least one) are graph
   * checks, which can say more than a schema error.
   */
  inputs?: Name[];
  depends_on?: Name[];
  restart_policy?: "no" | "always" | "on-failure" | "unless-stopped";
}
