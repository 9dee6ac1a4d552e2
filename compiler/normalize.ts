/**
 * Stage 5: a checked document → the IR. Applies defaults, resolves registry
 * types to images, turns `config` into FLOW_CONFIG_* env, keeps the text of
 * numbers in env/command/args, records where each field was written, and
 * orders components topologically (ties keep the order of the file).
 *
 * Every record of the document type (the top level, metadata, spec, the
 * control plane, a component, a port, a volume, resources) is taken apart by
 * name, and what is left must be empty (`handled`; only `x-` keys at the top
 * level): a field added to the CUE schema, and so to the generated types,
 * that this file does not read is a type error. Free maps (env, config,
 * labels) are data, not fields.
 */
import { atPlace, type Location } from "./diagnostics.ts";
import {
  CONTROL_PLANE_DEFAULTS,
  envName,
  HEALTH_PORT_KEY,
  HEALTH_TIMING,
  healthPortOf,
  isRegistryType,
  portFromText,
  registryImage,
  SECTIONS,
  SERVING_PORT_KEYS,
  TLS_DEFAULTS,
} from "./format.ts";
import type {
  ComponentIR,
  ComponentKind,
  ComponentSettings,
  ControlPlaneIR,
  ControlPlaneSettings,
  EntryIR,
  HealthIR,
  PipelineIR,
  PipelineSettings,
  PortIR,
  ResourceListIR,
  ResourcesIR,
  SecretIR,
  ServingIR,
  TlsIR,
  VolumeIR,
} from "./ir.ts";
import type { PipelineDocument } from "./check.ts";
import { isRecord, locate, type Path, sortKeys, sourceText } from "./source.ts";
import type { Component, ControlPlane, PipelineComponent, ResourceList, SecretRef, TLS, Volume, VolumeShort } from "../schemas/pipeline_types.ts";

/** A component of any section: the pipelines section adds fields to the common ones. */
type AnyComponent = Component & Partial<Omit<PipelineComponent, keyof Component>>;

/** How a user writes each settings field of the IR (for tables and messages); one entry per field, checked. */
export const SETTING_KEYS: {
  pipeline: { readonly [K in keyof PipelineSettings]-?: string };
  controlPlane: { readonly [K in keyof ControlPlaneSettings]-?: string };
  component: { readonly [K in keyof ComponentSettings]-?: string };
} = {
  pipeline: {
    name: "metadata.name",
    namespace: "metadata.namespace",
    description: "spec.description, metadata.description",
    labels: "metadata.labels",
    annotations: "metadata.annotations",
    config: "spec.config",
  },
  controlPlane: {
    enabled: "enabled",
    image: "image",
    command: "command",
    port: "port",
    heartbeatInterval: "heartbeatInterval",
    heartbeatTTL: "heartbeatTTL",
    storage: "storage",
    tls: "tls",
  },
  component: {
    image: "image, type",
    command: "command",
    args: "args",
    inputs: "inputs",
    dependsOn: "depends_on",
    env: "env, config",
    secrets: "env: {secret: S; key: K}",
    ports: "ports",
    volumes: "volumes",
    files: "files",
    health: "health_check, health_port",
    replicas: "replicas",
    resources: "resources",
    restartPolicy: "restart_policy",
    description: "description",
    inputEventTypes: "inputEventTypes, input_event_types",
    outputEventTypes: "outputEventTypes, output_event_types",
    healthEndpoint: "health_endpoint",
  },
};

/** Compile-time check that a rest object has no field left: every field was taken out by name above it. */
function handled(_rest: Record<string, never>): void {}

/** Compile-time check that only `x-` keys are left at the top level: a new named field must be read above. */
function onlyExtensions<T>(_rest: { [K in keyof T]: K extends `x-${string}` ? T[K] : never }): void {}

export function normalize(doc: PipelineDocument): PipelineIR {
  const at = (path: Path): Location => locate(doc, path);
  // Top-level `x-` keys are a home for YAML anchors: their content reached the components already.
  const { apiVersion: _apiVersion, kind: _kind, metadata, spec, ...extensions } = doc.data;
  onlyExtensions(extensions);
  const { name, namespace, description: metadataDescription, labels, annotations, ...metadataRest } = metadata;
  handled(metadataRest);
  const { description, driver, controlPlane, sources, processors, sinks, pipelines, config, ...specRest } = spec;
  handled(specRest);

  const lists = { sources, processors, sinks, pipelines };
  const written: Written[] = [];
  for (const { key, kind } of SECTIONS) {
    (lists[key] ?? []).forEach((data: AnyComponent, i) => written.push({ data, kind, path: ["spec", key, i], index: written.length }));
  }
  const components = topologicalOrder(written).map((c) => atPlace(at(c.path), () => component(doc, c)));
  const downstreams = new Map<string, string[]>();
  for (const c of components) for (const input of c.inputs) downstreams.get(input)?.push(c.id) ?? downstreams.set(input, [c.id]);
  for (const c of components) c.downstreams = downstreams.get(c.id) ?? [];

  const pipelineDescription = description ?? metadataDescription;
  return {
    name,
    ...(namespace !== undefined && { namespace }),
    ...(pipelineDescription !== undefined && { description: pipelineDescription }),
    labels: entries(doc, ["metadata", "labels"], labels),
    annotations: entries(doc, ["metadata", "annotations"], annotations),
    config: config ?? {},
    ...(driver !== undefined && { driver }),
    controlPlane: controlPlaneIR(doc, controlPlane),
    components,
    origin: at([]),
    origins: originsOf<PipelineIR["origins"]>({
      name: at(["metadata", "name"]),
      namespace: namespace === undefined ? undefined : at(["metadata", "namespace"]),
      description: description !== undefined
        ? at(["spec", "description"])
        : metadataDescription !== undefined
        ? at(["metadata", "description"])
        : undefined,
      labels: labels === undefined ? undefined : at(["metadata", "labels"]),
      annotations: annotations === undefined ? undefined : at(["metadata", "annotations"]),
      config: config === undefined ? undefined : at(["spec", "config"]),
    }),
  };
}

function controlPlaneIR(doc: PipelineDocument, cp: ControlPlane = {}): ControlPlaneIR {
  const { enabled, image, command, port, heartbeatInterval, heartbeatTTL, storage, tls, ...rest } = cp;
  handled(rest);
  const path: Path = ["spec", "controlPlane"];
  const at = (key: keyof ControlPlane, value: unknown) => value === undefined ? undefined : locate(doc, [...path, key]);
  return {
    enabled: enabled !== false,
    image: image ?? CONTROL_PLANE_DEFAULTS.image,
    ...(command && { command: command.map((v, i) => scalarText(doc, [...path, "command", i], v)) }),
    port: port ?? CONTROL_PLANE_DEFAULTS.port,
    heartbeatInterval: heartbeatInterval ?? CONTROL_PLANE_DEFAULTS.heartbeatInterval,
    heartbeatTTL: heartbeatTTL ?? CONTROL_PLANE_DEFAULTS.heartbeatTTL,
    storage: storage ?? CONTROL_PLANE_DEFAULTS.storage,
    ...(tls && { tls: tlsIR(tls) }),
    probe: { ...HEALTH_TIMING },
    origin: locate(doc, path),
    origins: originsOf<ControlPlaneIR["origins"]>({
      enabled: at("enabled", enabled),
      image: at("image", image),
      command: at("command", command),
      port: at("port", port),
      heartbeatInterval: at("heartbeatInterval", heartbeatInterval),
      heartbeatTTL: at("heartbeatTTL", heartbeatTTL),
      storage: at("storage", storage),
      tls: at("tls", tls),
    }),
  };
}

function tlsIR(tls: TLS): TlsIR {
  const { mode, dir, ...rest } = tls;
  handled(rest);
  return { mode: mode ?? TLS_DEFAULTS.mode, dir: dir ?? TLS_DEFAULTS.dir };
}

/** A component as written, with where it is and its place in the file. */
interface Written {
  data: AnyComponent;
  kind: ComponentKind;
  path: Path;
  index: number;
}

function component(doc: PipelineDocument, written: Written): ComponentIR {
  const {
    id,
    type,
    description,
    image,
    command,
    args,
    env,
    config,
    ports,
    volumes,
    files,
    health_check,
    health_port,
    health_endpoint,
    replicas,
    resources,
    inputEventTypes,
    outputEventTypes,
    input_event_types,
    output_event_types,
    inputs,
    depends_on,
    restart_policy,
    ...rest
  } = written.data;
  handled(rest);
  const at = (...rel: Path): Location => locate(doc, [...written.path, ...rel]);
  const text = (path: Path, value: unknown) => scalarText(doc, [...written.path, ...path], value);

  const envEntries: Record<string, EntryIR> = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    envEntries[`FLOW_CONFIG_${envName(key)}`] = {
      value: typeof value === "string"
        ? value
        : value !== null && typeof value === "object"
        ? JSON.stringify(value)
        : text(["config", key], value),
      origin: at("config", key),
    };
  }
  const secrets: Record<string, SecretIR> = {};
  for (const [key, value] of Object.entries(env ?? {})) {
    if (isRecord(value)) {
      const { secret, key: item, ...refRest } = value as SecretRef;
      handled(refRest);
      secrets[key] = { secret, key: item, variable: secretVariable(secret, item), origin: at("env", key) };
    } else envEntries[key] = { value: text(["env", key], value), origin: at("env", key) };
  }

  const portList: PortIR[] = (ports ?? []).map((p, i) => {
    const { name, containerPort, hostPort, protocol, ...portRest } = p;
    handled(portRest);
    return {
      ...(name !== undefined && { name }),
      containerPort,
      ...(hostPort !== undefined && { hostPort }),
      protocol: protocol ?? "TCP",
      origin: at("ports", i),
    };
  });
  const registry = image === undefined && isRegistryType(type);
  const healthPort = healthPortOf({ health_port, env });
  const health: HealthIR | undefined = health_check !== undefined && healthPort !== undefined
    ? {
      path: health_check,
      port: healthPort,
      portOrigin: health_port !== undefined ? at("health_port") : envEntries[HEALTH_PORT_KEY].origin,
      ...HEALTH_TIMING,
    }
    : undefined;
  const eventTypes = (camel: string[] | undefined, snake: string[] | undefined) => [...new Set([...(camel ?? []), ...(snake ?? [])])];
  const settings: ComponentSettings = {
    ...(image !== undefined ? { image } : registry ? { image: registryImage(type) } : {}),
    ...(command && { command: command.map((v, i) => text(["command", i], v)) }),
    args: typeof args === "string" ? [args] : (args ?? []).map((v, i) => text(["args", i], v)),
    inputs: inputs ?? [],
    dependsOn: depends_on ?? [],
    env: sortKeys(envEntries),
    secrets: sortKeys(secrets),
    ports: portList,
    volumes: (volumes ?? []).map((v, i) => volume(v, at("volumes", i))),
    // A source was read and put in content by the host (translate/file_sources.ts) before this runs.
    files: (files ?? []).map((f, i) => {
      const { path, content, source: _read, ...fileRest } = f;
      handled(fileRest);
      return { path, content: content ?? "", origin: at("files", i) };
    }),
    ...(health && { health }),
    ...(replicas !== undefined && { replicas }),
    ...(resources !== undefined && { resources: resourcesIR(resources) }),
    ...(restart_policy !== undefined && { restartPolicy: restart_policy }),
    ...(description !== undefined && { description }),
    inputEventTypes: eventTypes(inputEventTypes, input_event_types),
    outputEventTypes: eventTypes(outputEventTypes, output_event_types),
    ...(health_endpoint !== undefined && { healthEndpoint: health_endpoint }),
  };
  const where = <T>(value: T | undefined, ...rel: Path) => value === undefined ? undefined : at(...rel);
  return {
    id,
    kind: written.kind,
    ...settings,
    downstreams: [],
    ...serving(portList, envEntries),
    origin: at(),
    origins: originsOf<ComponentIR["origins"]>({
      id: at("id"),
      image: where(image, "image") ?? (registry ? at("type") : undefined),
      command: where(command, "command"),
      args: where(args, "args"),
      inputs: where(inputs, "inputs"),
      dependsOn: where(depends_on, "depends_on"),
      env: where(env, "env") ?? where(config, "config"),
      secrets: Object.keys(secrets).length ? at("env") : undefined,
      ports: where(ports, "ports"),
      volumes: where(volumes, "volumes"),
      files: where(files, "files"),
      health: where(health_check, "health_check"),
      replicas: where(replicas, "replicas"),
      resources: where(resources, "resources"),
      restartPolicy: where(restart_policy, "restart_policy"),
      description: where(description, "description"),
      inputEventTypes: where(inputEventTypes, "inputEventTypes") ?? where(input_event_types, "input_event_types"),
      outputEventTypes: where(outputEventTypes, "outputEventTypes") ?? where(output_event_types, "output_event_types"),
      healthEndpoint: where(health_endpoint, "health_endpoint"),
    }),
  };
}

/** Where docker compose and run.sh read a secret from: `db-credentials`, `password` → `DB_CREDENTIALS_PASSWORD`. */
export function secretVariable(secret: string, key: string): string {
  const name = `${secret}_${key}`.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The serving port: the first port, else PORT or GRPC_PORT in env (where it was written). */
function serving(ports: PortIR[], env: Record<string, EntryIR>): { serving?: ServingIR } {
  if (ports.length) return { serving: { port: ports[0].containerPort, protocol: ports[0].protocol, origin: ports[0].origin } };
  for (const key of SERVING_PORT_KEYS) {
    const port = portFromText(env[key]?.value);
    if (port !== undefined) return { serving: { port, protocol: "TCP", origin: env[key].origin } };
  }
  return {};
}

function volume(v: Volume | VolumeShort, origin: Location): VolumeIR {
  if (typeof v === "string") {
    const [source, target, mode] = v.split(":");
    const isPath = /^[./~$]/.test(source);
    return {
      name: isPath ? target.replace(/^\/+/, "").replace(/[^A-Za-z0-9]+/g, "-") || "data" : source,
      mountPath: target,
      ...(isPath && { hostPath: source }),
      readonly: mode === "ro",
      origin,
    };
  }
  const { name, mountPath, container_path, hostPath, host_path, readonly, ...rest } = v;
  handled(rest);
  const host = hostPath ?? host_path;
  return {
    name,
    // The schema requires one of the two.
    mountPath: (mountPath ?? container_path)!,
    ...(host !== undefined && { hostPath: host }),
    readonly: readonly === true,
    origin,
  };
}

function resourcesIR(resources: NonNullable<Component["resources"]>): ResourcesIR {
  const { requests, limits, ...rest } = resources;
  handled(rest);
  const list = (l: ResourceList): ResourceListIR => {
    const { cpu, memory, ...listRest } = l;
    handled(listRest);
    return { ...(cpu !== undefined && { cpu }), ...(memory !== undefined && { memory }) };
  };
  return { ...(requests && { requests: list(requests) }), ...(limits && { limits: list(limits) }) };
}

/** Map entries (labels, annotations) with where each was written; keys sorted. */
function entries(doc: PipelineDocument, path: Path, map: Record<string, string> | undefined): Record<string, EntryIR> {
  const out: Record<string, EntryIR> = {};
  for (const [key, value] of Object.entries(map ?? {})) out[key] = { value, origin: locate(doc, [...path, key]) };
  return sortKeys(out);
}

/** Scalars keep the text the user wrote (`1` stays "1", `true` stays "true"); strings stay as they are. */
function scalarText(doc: PipelineDocument, path: Path, value: unknown): string {
  if (typeof value === "string") return value;
  const written = sourceText(doc, path);
  // Quoted or flow text is not what the value means; fall back to its plain form.
  return written !== undefined && /^[^"'{\[\s][^\n]*$/.test(written) ? written.trim() : String(value);
}

/**
 * Origins of the fields the user wrote. Every field of the IR record must be
 * named (undefined when not written), and no other name is accepted: a new
 * field or a misspelled one is a type error here, not a silently lost position.
 */
function originsOf<O extends object>(origins: { readonly [K in keyof O & string]: O[K] | undefined }): O {
  return Object.fromEntries(Object.entries(origins).filter(([, v]) => v !== undefined)) as O;
}

/** Kahn's algorithm over inputs and depends_on; among ready components the one declared first goes first. */
function topologicalOrder(components: Written[]): Written[] {
  const byId = new Map(components.map((c) => [c.data.id, c]));
  const pending = new Map<string, number>();
  const dependents = new Map<string, Written[]>();
  for (const c of components) {
    const deps = new Set([...(c.data.inputs ?? []), ...(c.data.depends_on ?? [])].filter((id) => byId.has(id)));
    pending.set(c.data.id, deps.size);
    for (const d of deps) dependents.get(d)?.push(c) ?? dependents.set(d, [c]);
  }
  const ready = new MinHeap<Written>((a, b) => a.index - b.index);
  for (const c of components) if (pending.get(c.data.id) === 0) ready.push(c);
  const out: Written[] = [];
  while (ready.size) {
    const c = ready.pop()!;
    out.push(c);
    for (const d of dependents.get(c.data.id) ?? []) {
      const left = pending.get(d.data.id)! - 1;
      pending.set(d.data.id, left);
      if (left === 0) ready.push(d);
    }
  }
  return out; // graph checks guarantee no cycle, so every component is here
}

class MinHeap<T> {
  private items: T[] = [];
  constructor(private less: (a: T, b: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (this.less(a[i], a[p]) >= 0) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last !== undefined) {
      a[0] = last;
      for (let i = 0;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m]) < 0) m = l;
        if (r < a.length && this.less(a[r], a[m]) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
