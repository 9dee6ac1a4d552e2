/**
 * Stage 5: a schema- and graph-valid document → the IR. Applies defaults,
 * resolves registry types to images, turns `config` into FLOW_CONFIG_* env,
 * keeps the text of numbers in env/command/args, and orders components
 * topologically (ties keep the order of the file).
 */
import {
  type ComponentIR,
  CONTROL_PLANE_DEFAULTS,
  type Origin,
  type PipelineIR,
  type PortIR,
  type Protocol,
  type ResourcesIR,
  type RestartPolicy,
  type VolumeIR,
} from "./ir.ts";
import { type RawComponent, rawComponents } from "./graph.ts";
import { envName, healthPortOf, isRegistryType, portFromText, registryImage } from "./names.ts";
import { isRecord, sortKeys, type LocatedDocument, locate, type Path, sourceText } from "./source.ts";

type Data = Record<string, unknown>;

export function normalize(doc: LocatedDocument): PipelineIR {
  const data = doc.data as Data;
  const metadata = data.metadata as Data;
  const spec = data.spec as Data;
  const components = topologicalOrder(rawComponents(data)).map((c) => component(doc, c));
  const downstreams = new Map<string, string[]>();
  for (const c of components) for (const input of c.inputs) downstreams.get(input)?.push(c.id) ?? downstreams.set(input, [c.id]);
  for (const c of components) c.downstreams = downstreams.get(c.id) ?? [];

  const cp = isRecord(spec.controlPlane) ? spec.controlPlane : {};
  return {
    name: metadata.name as string,
    namespace: metadata.namespace as string | undefined,
    description: (spec.description ?? metadata.description) as string | undefined,
    labels: stringMap(metadata.labels),
    annotations: stringMap(metadata.annotations),
    driver: spec.driver as string | undefined,
    controlPlane: {
      enabled: cp.enabled !== false,
      image: (cp.image as string | undefined) ?? CONTROL_PLANE_DEFAULTS.image,
      command: cp.command ? (cp.command as unknown[]).map((_, i) => text(doc, ["spec", "controlPlane", "command", i])) : undefined,
      port: (cp.port as number | undefined) ?? CONTROL_PLANE_DEFAULTS.port,
      heartbeatInterval: (cp.heartbeatInterval as string | undefined) ?? CONTROL_PLANE_DEFAULTS.heartbeatInterval,
      heartbeatTTL: (cp.heartbeatTTL as string | undefined) ?? CONTROL_PLANE_DEFAULTS.heartbeatTTL,
      storage: (cp.storage as string | undefined) ?? CONTROL_PLANE_DEFAULTS.storage,
      origin: locate(doc, ["spec", "controlPlane"]),
    },
    components,
    config: isRecord(spec.config) ? spec.config : {},
    origin: locate(doc, []),
    origins: metadataOrigins(doc, metadata),
  };
}

/** Where `metadata.*` and each label and annotation were written, for targets that check them. */
function metadataOrigins(doc: LocatedDocument, metadata: Data): Record<string, Origin> {
  const origins: Record<string, Origin> = {};
  for (const key of Object.keys(metadata)) origins[`metadata.${key}`] = locate(doc, ["metadata", key]);
  for (const map of ["labels", "annotations"]) {
    if (!isRecord(metadata[map])) continue;
    for (const key of Object.keys(metadata[map])) origins[`metadata.${map}.${key}`] = locate(doc, ["metadata", map, key]);
  }
  return origins;
}

function component(doc: LocatedDocument, raw: RawComponent): ComponentIR {
  const c = raw.data;
  const at = (rel: Path): Origin => locate(doc, [...raw.path, ...rel]);
  const origins: Record<string, Origin> = {};
  for (const key of Object.keys(c)) origins[key] = at([key]);
  for (const list of ["ports", "volumes"]) {
    if (Array.isArray(c[list])) c[list].forEach((_, i) => origins[`${list}.${i}`] = at([list, i]));
  }

  const env: Record<string, string> = {};
  if (isRecord(c.config)) {
    for (const [key, value] of Object.entries(c.config)) {
      env[`FLOW_CONFIG_${envName(key)}`] = typeof value === "string"
        ? value
        : value !== null && typeof value === "object"
        ? JSON.stringify(value)
        : text(doc, [...raw.path, "config", key]);
    }
  }
  if (isRecord(c.env)) {
    for (const key of Object.keys(c.env)) {
      env[key] = text(doc, [...raw.path, "env", key]);
      origins[`env.${key}`] = at(["env", key]);
    }
  }

  const ports: PortIR[] = (Array.isArray(c.ports) ? c.ports as Data[] : []).map((p) => ({
    ...(p.name !== undefined && { name: p.name as string }),
    containerPort: p.containerPort as number,
    ...(p.hostPort !== undefined && { hostPort: p.hostPort as number }),
    protocol: (p.protocol as Protocol | undefined) ?? "TCP",
  }));
  const servingPort = ports[0]?.containerPort ?? portFromText(c.env && (c.env as Data).PORT) ??
    portFromText(c.env && (c.env as Data).GRPC_PORT);

  const image = typeof c.image === "string" ? c.image : isRegistryType(c.type) ? registryImage(c.type) : undefined;
  const args = typeof c.args === "string"
    ? [c.args]
    : Array.isArray(c.args)
    ? c.args.map((_, i) => text(doc, [...raw.path, "args", i]))
    : [];
  const healthPort = healthPortOf(c);

  return {
    id: raw.id,
    kind: raw.kind,
    ...(typeof c.type === "string" && { type: c.type }),
    ...(image !== undefined && { image }),
    ...(Array.isArray(c.command) && { command: c.command.map((_, i) => text(doc, [...raw.path, "command", i])) }),
    args,
    inputs: raw.inputs.map((r) => r.id),
    dependsOn: raw.dependsOn.map((r) => r.id),
    downstreams: [],
    env: sortKeys(env),
    ports,
    ...(servingPort !== undefined && { serving: { port: servingPort, protocol: ports[0]?.protocol ?? "TCP" } }),
    volumes: (Array.isArray(c.volumes) ? c.volumes : []).map(volume),
    ...(typeof c.health_check === "string" && healthPort !== undefined &&
      { health: { path: c.health_check, port: healthPort } }),
    ...(typeof c.replicas === "number" && { replicas: c.replicas }),
    ...(isRecord(c.resources) && { resources: c.resources as ResourcesIR }),
    ...(typeof c.restart_policy === "string" && { restartPolicy: c.restart_policy as RestartPolicy }),
    origin: at([]),
    origins,
  };
}

/** Scalars keep the text the user wrote (`1` stays "1", `true` stays "true"); strings stay as they are. */
function text(doc: LocatedDocument, path: Path): string {
  let value: unknown = doc.data;
  for (const seg of path) value = (value as Record<string | number, unknown>)[seg];
  if (typeof value === "string") return value;
  const written = sourceText(doc, path);
  // Quoted or flow text is not what the value means; fall back to its plain form.
  return written !== undefined && /^[^"'{\[\s][^\n]*$/.test(written) ? written.trim() : String(value);
}

function volume(v: unknown): VolumeIR {
  if (typeof v === "string") {
    const [source, target, mode] = v.split(":");
    const isPath = /^[./~$]/.test(source);
    return {
      name: isPath ? target.replace(/^\/+/, "").replace(/[^A-Za-z0-9]+/g, "-") || "data" : source,
      mountPath: target,
      ...(isPath && { hostPath: source }),
      readonly: mode === "ro",
    };
  }
  const d = v as Data;
  const hostPath = (d.hostPath ?? d.host_path) as string | undefined;
  return {
    name: d.name as string,
    mountPath: (d.mountPath ?? d.container_path) as string,
    ...(hostPath !== undefined && { hostPath }),
    readonly: d.readonly === true,
  };
}

function stringMap(value: unknown): Record<string, string> {
  return isRecord(value) ? sortKeys(value as Record<string, string>) : {};
}

/** Kahn's algorithm; among ready components the one declared first goes first. */
function topologicalOrder(components: RawComponent[]): RawComponent[] {
  const byId = new Map(components.map((c) => [c.id, c]));
  const pending = new Map<string, number>();
  const dependents = new Map<string, RawComponent[]>();
  for (const c of components) {
    const deps = new Set([...c.inputs, ...c.dependsOn].map((r) => r.id).filter((id) => byId.has(id)));
    pending.set(c.id, deps.size);
    for (const d of deps) dependents.get(d)?.push(c) ?? dependents.set(d, [c]);
  }
  const ready = new MinHeap<RawComponent>((a, b) => a.index - b.index);
  for (const c of components) if (pending.get(c.id) === 0) ready.push(c);
  const out: RawComponent[] = [];
  while (ready.size) {
    const c = ready.pop()!;
    out.push(c);
    for (const d of dependents.get(c.id) ?? []) {
      const left = pending.get(d.id)! - 1;
      pending.set(d.id, left);
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

