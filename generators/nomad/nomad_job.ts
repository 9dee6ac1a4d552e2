/**
 * A Nomad job as flowctl builds it, and its two spellings: the HCL2 jobspec
 * (`nomad job run x.nomad.hcl`) and the API JSON (`nomad job run -json`).
 * Both are written from this one model, so they describe the same job.
 */
import { nanos } from "../shared/duration.ts";
import { compact } from "../shared/compact.ts";
import { attr, block, type HclBody, Heredoc, mapBlock, renderBody } from "./hcl_output.ts";

export interface NomadJob {
  id: string;
  datacenters: string[];
  region?: string;
  namespace?: string;
  meta: Record<string, string>;
  groups: NomadGroup[];
}

export interface NomadPort {
  label: string;
  /** The port inside the task (docker maps the host port to it). */
  to?: number;
  /** A fixed host port. */
  static?: number;
}

export interface NomadCheck {
  type: "http" | "tcp";
  path?: string;
  /** `https` for an HTTP check of a TLS port. */
  protocol?: "https";
  /** The check runs outside the pipeline's trust: it cannot verify the certificate. */
  tlsSkipVerify?: boolean;
  port: string;
  interval: string;
  timeout: string;
}

export interface NomadService {
  name: string;
  port: string;
  provider: "nomad" | "consul";
  checks: NomadCheck[];
}

export interface NomadRestart {
  attempts: number;
  interval: string;
  delay: string;
  mode: "delay" | "fail";
}

export interface NomadReschedule {
  attempts?: number;
  interval?: string;
  delay?: string;
  delayFunction?: "constant" | "exponential" | "fibonacci";
  maxDelay?: string;
  unlimited: boolean;
}

export interface NomadVolume {
  name: string;
  source: string;
  readOnly: boolean;
}

export interface NomadTemplate {
  destination: string;
  data: string;
  env: boolean;
  changeMode: "restart" | "noop";
  /** Delimiters no text of the template holds, so the text is not a template at all (a file's content). */
  delimiters?: [string, string];
}

export interface NomadTask {
  name: string;
  driver: "docker" | "exec" | "raw_exec";
  /** Driver config; `mount` (docker) is a list of blocks. */
  config: Record<string, string | string[] | Record<string, string | boolean>[]>;
  env: Record<string, string>;
  templates: NomadTemplate[];
  /** A `vault {}` block: the task's templates read Vault (with Nomad's default Vault settings). */
  vault?: boolean;
  resources?: { cpu?: number; memory?: number; memoryMax?: number };
  volumeMounts: { volume: string; destination: string; readOnly: boolean }[];
}

export interface NomadGroup {
  name: string;
  /** Comment lines above the group (the component's description). */
  comment?: string[];
  count: number;
  ports: NomadPort[];
  services: NomadService[];
  restart: NomadRestart;
  reschedule: NomadReschedule;
  /** A sticky, migrating alloc dir: the control plane's registry survives updates. */
  stickyDisk?: boolean;
  volumes: NomadVolume[];
  tasks: NomadTask[];
}

// ---------------------------------------------------------------- HCL

export function jobToHcl(job: NomadJob, header: string): string {
  const body: HclBody = [
    ...attr("type", "service"),
    ...attr("datacenters", job.datacenters),
    ...attr("region", job.region),
    ...attr("namespace", job.namespace),
    ...mapBlock("meta", job.meta),
    ...job.groups.map(groupHcl),
  ];
  return `${header.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n")}\n${renderBody([block("job", [job.id], body)])}\n`;
}

function groupHcl(g: NomadGroup) {
  const network = g.ports.length
    ? [block("network", [], g.ports.map((p) => block("port", [p.label], [...attr("static", p.static), ...attr("to", p.to)])))]
    : [];
  return block("group", [g.name], [
    ...attr("count", g.count),
    ...network,
    ...g.services.map((s) =>
      block("service", [], [
        ...attr("name", s.name),
        ...attr("port", s.port),
        ...attr("provider", s.provider),
        ...s.checks.map((c) =>
          block("check", [], [
            ...attr("type", c.type),
            ...attr("path", c.path),
            ...attr("protocol", c.protocol),
            ...attr("tls_skip_verify", c.tlsSkipVerify),
            ...attr("port", c.port),
            ...attr("interval", c.interval),
            ...attr("timeout", c.timeout),
          ])
        ),
      ])
    ),
    block("restart", [], [
      ...attr("attempts", g.restart.attempts),
      ...attr("interval", g.restart.interval),
      ...attr("delay", g.restart.delay),
      ...attr("mode", g.restart.mode),
    ]),
    block("reschedule", [], [
      ...attr("attempts", g.reschedule.attempts),
      ...attr("interval", g.reschedule.interval),
      ...attr("delay", g.reschedule.delay),
      ...attr("delay_function", g.reschedule.delayFunction),
      ...attr("max_delay", g.reschedule.maxDelay),
      ...attr("unlimited", g.reschedule.unlimited),
    ]),
    ...(g.stickyDisk ? [block("ephemeral_disk", [], [...attr("sticky", true), ...attr("migrate", true)])] : []),
    ...g.volumes.map((v) =>
      block("volume", [v.name], [...attr("type", "host"), ...attr("source", v.source), ...attr("read_only", v.readOnly || undefined)])
    ),
    ...g.tasks.map(taskHcl),
  ], g.comment);
}

function taskHcl(t: NomadTask) {
  const config: HclBody = [];
  for (const [key, value] of Object.entries(t.config)) {
    if (key === "mount") {
      for (const m of value as Record<string, string | boolean>[]) {
        config.push(block("mount", [], Object.entries(m).flatMap(([k, v]) => attr(k, v))));
      }
    } else config.push(...attr(key, value as string | string[]));
  }
  return block("task", [t.name], [
    ...attr("driver", t.driver),
    block("config", [], config),
    ...mapBlock("env", t.env),
    ...(t.vault ? [block("vault", [], [])] : []),
    ...t.templates.map((tpl) =>
      block("template", [], [
        ...attr("destination", tpl.destination),
        ...attr("env", tpl.env),
        ...attr("change_mode", tpl.changeMode),
        ...(tpl.delimiters ? [...attr("left_delimiter", tpl.delimiters[0]), ...attr("right_delimiter", tpl.delimiters[1])] : []),
        // A file's text as a quoted string (CR, no final newline: a heredoc would change those); the rest as heredocs.
        ...attr("data", tpl.delimiters ? tpl.data : new Heredoc(tpl.data)),
      ])
    ),
    ...t.volumeMounts.map((m) =>
      block("volume_mount", [], [
        ...attr("volume", m.volume),
        ...attr("destination", m.destination),
        ...attr("read_only", m.readOnly || undefined),
      ])
    ),
    ...(t.resources
      ? [block("resources", [], [
        ...attr("cpu", t.resources.cpu),
        ...attr("memory", t.resources.memory),
        ...attr("memory_max", t.resources.memoryMax),
      ])]
      : []),
  ]);
}

// ---------------------------------------------------------------- API JSON

/** `{"Job": {...}}` as `nomad job run -json` and `PUT /v1/jobs` take it: Go field names, durations in nanoseconds. */
export function jobToApiJson(job: NomadJob): string {
  const api = {
    Job: compact({
      ID: job.id,
      Name: job.id,
      Type: "service",
      Datacenters: job.datacenters,
      Region: job.region,
      Namespace: job.namespace,
      Meta: job.meta,
      TaskGroups: job.groups.map((g) =>
        compact({
          Name: g.name,
          Count: g.count,
          Networks: g.ports.length
            ? [compact({
              ReservedPorts: g.ports.filter((p) => p.static !== undefined).map((p) => compact({ Label: p.label, Value: p.static, To: p.to })),
              DynamicPorts: g.ports.filter((p) => p.static === undefined).map((p) => compact({ Label: p.label, To: p.to })),
            })]
            : undefined,
          Services: g.services.map((s) =>
            compact({
              Name: s.name,
              PortLabel: s.port,
              Provider: s.provider,
              Checks: s.checks.map((c) =>
                compact({
                  Type: c.type,
                  Path: c.path,
                  Protocol: c.protocol,
                  TLSSkipVerify: c.tlsSkipVerify,
                  PortLabel: c.port,
                  Interval: nanos(c.interval),
                  Timeout: nanos(c.timeout),
                })
              ),
            })
          ),
          RestartPolicy: {
            Attempts: g.restart.attempts,
            Interval: nanos(g.restart.interval),
            Delay: nanos(g.restart.delay),
            Mode: g.restart.mode,
          },
          ReschedulePolicy: compact({
            Attempts: g.reschedule.attempts,
            Interval: g.reschedule.interval && nanos(g.reschedule.interval),
            Delay: g.reschedule.delay && nanos(g.reschedule.delay),
            DelayFunction: g.reschedule.delayFunction,
            MaxDelay: g.reschedule.maxDelay && nanos(g.reschedule.maxDelay),
            Unlimited: g.reschedule.unlimited,
          }),
          EphemeralDisk: g.stickyDisk ? { Sticky: true, Migrate: true } : undefined,
          Volumes: g.volumes.length
            ? Object.fromEntries(g.volumes.map((v) => [v.name, compact({ Name: v.name, Type: "host", Source: v.source, ReadOnly: v.readOnly || undefined })]))
            : undefined,
          Tasks: g.tasks.map((t) =>
            compact({
              Name: t.name,
              Driver: t.driver,
              Config: t.config,
              Env: t.env,
              Vault: t.vault ? {} : undefined,
              Templates: t.templates.map((tpl) => ({
                DestPath: tpl.destination,
                EmbeddedTmpl: tpl.data,
                ChangeMode: tpl.changeMode,
                Envvars: tpl.env,
                ...(tpl.delimiters && { LeftDelim: tpl.delimiters[0], RightDelim: tpl.delimiters[1] }),
              })),
              VolumeMounts: t.volumeMounts.map((m) => compact({ Volume: m.volume, Destination: m.destination, ReadOnly: m.readOnly || undefined })),
              Resources: t.resources && compact({ CPU: t.resources.cpu, MemoryMB: t.resources.memory, MemoryMaxMB: t.resources.memoryMax }),
            })
          ),
        })
      ),
    }),
  };
  return JSON.stringify(api, null, 2) + "\n";
}
