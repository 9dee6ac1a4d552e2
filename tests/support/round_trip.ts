/**
 * Outputs read back the way each target reads them, and compared with the IR
 * they came from: every env value, command word and argument must arrive as
 * the pipeline wrote it. The golden tests, the Nomad tests and the fuzz tests
 * share these checks; each throws an AssertionError naming what changed.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { topologyText } from "../../graph/topology.ts";
import { topologyOf } from "../../generators/shared/topology.ts";
import type { ComponentIR, PipelineIR } from "../../compiler/ir.ts";
import { dnsLabel, envName } from "../../compiler/format.ts";
import { LOCAL_RUNTIME } from "../../generators/local/local_runtime.ts";
import { containerAsSeen } from "./kubernetes_check.ts";
import { renderWiring } from "./nomad_check.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** flowctl owns these two and replaces a user's value (with a warning). */
const FLOWCTL_OWNED = new Set(["ENABLE_FLOWCTL", "FLOWCTL_ENDPOINT"]);

/** Compose: env values read back from the YAML (as YAML 1.2 and 1.1 readers do) equal the IR's, after compose's $$ unescaping. */
export function checkComposeValues(content: string, ir: PipelineIR): void {
  for (const version of ["1.2", "1.1"] as const) {
    const doc = parse(content, { version }) as { services: Record<string, { environment?: Record<string, unknown> }> };
    for (const c of ir.components) {
      const env = doc.services[c.id]?.environment;
      if (!env) continue;
      for (const [key, { value }] of Object.entries(c.env)) {
        if (FLOWCTL_OWNED.has(key)) continue;
        const got: unknown = env[key];
        assert.equal(typeof got, "string", `YAML ${version} reads ${c.id}.${key} as ${typeof got}`);
        assert.equal((got as string).replaceAll("$$", "$"), value, `${c.id}.${key} changed in the round trip`);
      }
    }
    // The control plane is handed the pipeline's graph as written (flowctl's image only).
    const topology = doc.services["flowctl-control-plane"]?.environment?.FLOWCTL_TOPOLOGY;
    if (topology !== undefined) assert.equal((topology as string).replaceAll("$$", "$"), topologyText(topologyOf(ir)), `FLOWCTL_TOPOLOGY (YAML ${version})`);
    // Files: a top-level config each, its content as written once `$$` is read back as `$`, mounted at the path.
    const all = doc as unknown as {
      configs?: Record<string, { content: string }>;
      services: Record<string, { configs?: { source: string; target: string }[]; labels?: Record<string, string> }>;
    };
    for (const c of ir.components) {
      // The service by its component label: its name may be the id made safe for compose.
      const service = Object.values(all.services).find((s) => s.labels?.["com.flowctl.component"] === c.id && s.labels?.["com.flowctl.kind"] !== "probe");
      if (!service) continue;
      for (const f of c.files) {
        const mount: { source: string; target: string } | undefined = service.configs?.find((m) => m.target === f.path);
        assert.ok(mount, `${c.id}: ${f.path} mounted`);
        assert.equal(all.configs?.[mount.source]?.content.replaceAll("$$", "$"), f.content, `${c.id}: file ${f.path} byte for byte (YAML ${version})`);
      }
    }
  }
}

/** Kubernetes: every env value, command word and argument reaches the container as written, after `$(…)` expansion. */
export function checkKubernetesValues(contents: string[], ir: PipelineIR): void {
  const containers = new Map<string, Parameters<typeof containerAsSeen>[0]>();
  const pods = new Map<string, Any>();
  const configMaps = new Map<string, Record<string, string>>();
  for (const content of contents) {
    const object = parse(content);
    if (object.kind === "Deployment") for (const c of object.spec.template.spec.containers) containers.set(c.name, c);
    if (object.kind === "Deployment") pods.set(object.metadata.name, object.spec.template.spec);
    if (object.kind === "ConfigMap") configMaps.set(object.metadata.name, object.data ?? {});
  }
  // Files: the ConfigMap's key, mounted at the path by subPath, holds the text byte for byte.
  for (const c of ir.components) {
    const pod = pods.get(dnsLabel(c.id));
    if (!pod) continue; // named otherwise on Kubernetes (a clash); the env checks skip it alike
    for (const f of c.files) {
      const mount = pod?.containers[0].volumeMounts?.find((m: Any) => m.mountPath === f.path);
      assert.ok(mount?.subPath && mount.readOnly, `${c.id}: ${f.path} mounted read-only`);
      const volume = pod.volumes.find((v: Any) => v.name === mount.name);
      assert.equal(configMaps.get(volume.configMap.name)?.[mount.subPath], f.content, `${c.id}: file ${f.path} byte for byte`);
    }
  }
  const controlPlane = containers.get("flowctl-control-plane");
  const topology = controlPlane && containerAsSeen(controlPlane).env.FLOWCTL_TOPOLOGY;
  if (topology !== undefined) assert.equal(topology, topologyText(topologyOf(ir)), "FLOWCTL_TOPOLOGY as the control plane sees it");
  for (const c of ir.components) {
    const container = containers.get(dnsLabel(c.id));
    if (!container) continue;
    const seen = containerAsSeen(container);
    for (const [key, { value }] of Object.entries(c.env)) {
      if (FLOWCTL_OWNED.has(key)) continue;
      assert.equal(seen.env[key], value, `${c.id}: env ${key} as the container sees it`);
    }
    for (const [key, ref] of Object.entries(c.secrets)) assert.equal(seen.env[key], `secret:${ref.secret}/${ref.key}`, `${c.id}: secret ${key}`);
    assert.deepEqual(seen.command, c.command, `${c.id}: command as the container sees it`);
    assert.deepEqual(seen.args ?? [], c.args, `${c.id}: args as the container sees them`);
  }
}

/** A fake address per Nomad service, for rendering the wiring templates. */
export const nomadAddress = (service: string) => `addr-of-${service}:1`;

/**
 * Nomad: the job as the HCL parser read it (see parsedJob) describes the
 * pipeline it came from. HCL stores text in Unicode NFC; when the generator
 * warned about that (`nfc`), values are expected in their NFC form.
 */
export function checkNomadJob(ir: PipelineIR, job: Any, { nfc = false } = {}): void {
  const want = <T>(value: T): T =>
    !nfc ? value : typeof value === "string" ? value.normalize("NFC") as T : Array.isArray(value) ? value.map(want) as T : value;
  const jobId = dnsLabel(ir.name);
  const groups = job.group as Record<string, Any[]>;
  const expected = [...(ir.controlPlane.enabled ? ["flowctl-control-plane"] : []), ...ir.components.map((c) => dnsLabel(c.id))];
  // hcl2json returns labelled blocks as a Go map: sorted, so the order is not compared here.
  assert.deepEqual(Object.keys(groups).sort(), expected.sort(), "one group per component");
  for (const c of ir.components) {
    const name = dnsLabel(c.id);
    const [group] = groups[name];
    assert.equal(group.count, c.replicas ?? 1, `${c.id}: count`);
    const [task] = group.task[name];
    assert.equal(task.driver, c.image ? "docker" : "exec", `${c.id}: driver`);
    const config = task.config[0];
    if (c.image) {
      assert.equal(config.image, want(c.image));
      assert.deepEqual(config.entrypoint, want(c.command));
      assert.deepEqual(config.args ?? [], want(c.args), `${c.id}: args`);
    } else {
      assert.deepEqual([config.command, ...(config.args ?? [])], want([...c.command!, ...c.args]), `${c.id}: command`);
    }
    // `env { K = "v" }` is a block (a list to hcl2json); `env = { "1A" = "v" }`, for keys that are no identifier, a map.
    const written = Array.isArray(task.env) ? task.env[0] : task.env;
    const templates: Any[] = task.template ?? [];
    const wiring = templates.find((t) => t.destination === "local/flowctl-wiring.env");
    const env = { ...(written ?? {}), ...renderWiring(wiring?.data ?? "", nomadAddress) };
    // Files: a template each, whose delimiters no text holds, bound at the path (docker).
    for (const f of c.files) {
      const template = templates.find((t) => t.destination === `local/flowctl-files${f.path}`);
      assert.ok(template, `${c.id}: a template for ${f.path}`);
      assert.equal(template.data, want(f.content), `${c.id}: file ${f.path} byte for byte`);
      assert.ok(!f.content.includes(template.left_delimiter) && !f.content.includes(template.right_delimiter), `${c.id}: delimiters no text holds`);
      if (c.image) assert.ok((config.mount ?? []).some((m: Any) => m.target === f.path && m.source === template.destination && m.readonly), `${c.id}: ${f.path} bound`);
    }
    for (const [key, { value }] of Object.entries(c.env)) {
      if (!FLOWCTL_OWNED.has(key)) assert.equal(env[want(key)], want(value), `${c.id}: env ${key} must round-trip exactly`);
    }
    if (!nfc) checkNomadWiring(ir, c, env, jobId);
    checkNomadService(c, group, jobId);
  }
}

function checkNomadWiring(ir: PipelineIR, c: ComponentIR, env: Record<string, string>, jobId: string) {
  const address = nomadAddress;
  if (ir.controlPlane.enabled) assert.equal(env.FLOWCTL_ENDPOINT, address(`${jobId}-flowctl-control-plane`));
  const byId = new Map(ir.components.map((x) => [x.id, x]));
  const wired = c.inputs.filter((id) => byId.get(id)!.serving);
  for (const id of wired) assert.equal(env[`FLOWCTL_INPUT_${envName(id)}`], address(dnsLabel(`${jobId}-${dnsLabel(id)}`)));
  const inputs = wired.map((id) => `${id}=${address(dnsLabel(`${jobId}-${dnsLabel(id)}`))}`).join(",");
  assert.equal(env.FLOWCTL_INPUTS, inputs || undefined, `${c.id}: FLOWCTL_INPUTS`);
}

function checkNomadService(c: ComponentIR, group: Any, jobId: string) {
  const services = group.service ?? [];
  if (!c.serving && !c.health) return assert.equal(services.length, 0, `${c.id}: no port, no service`);
  assert.equal(services.length, 1, `${c.id}: one service`);
  const [s] = services;
  assert.equal(s.name, dnsLabel(`${jobId}-${dnsLabel(c.id)}`));
  const ports = group.network[0].port;
  const portOf = (label: string) => ports[label][0].to ?? ports[label][0].static;
  if (c.serving) assert.equal(portOf(s.port), c.serving.port, `${c.id}: service port`);
  if (c.health) {
    assert.equal(s.check?.length, 1, `${c.id}: one check`);
    assert.equal(s.check[0].type, "http");
    assert.equal(s.check[0].path, c.health.path);
    assert.equal(portOf(s.check[0].port), c.health.port, `${c.id}: check port`);
  } else assert.equal(s.check, undefined);
}

/**
 * Stands in for the runtime of a run.sh: each call that would start a
 * component prints its arguments instead (a count, then each one, NUL-ended),
 * so bash itself, parsing the script, says what every process would get.
 */
const RECORDING_RUNTIME = `supervisors=()
state_dir=$RECORDING_STATE_DIR
record() { printf '%s\\0' "$#" "$@"; }
start() { record "$@"; }
start_container() { record "$@"; }
await_healthy() { :; }
wait_all() { :; }
`;

/** Local: bash reads the script; the argv and env each component would start with equal the IR's. */
export async function checkLocalValues(script: string, ir: PipelineIR): Promise<void> {
  assert(script.includes(LOCAL_RUNTIME), "run.sh holds the runtime");
  // Each secret's variable holds a stand-in, so the script starts, and what each process gets can be checked.
  const secrets = Object.fromEntries(ir.components.flatMap((c) => Object.values(c.secrets)).map((s) => [s.variable, `secret:${s.variable}`]));
  // The files run.sh writes go into a folder of the check's own, and are read back from there.
  const stateDir = await Deno.makeTempDir({ prefix: "flowctl-local-check-" });
  // With TLS, run.sh checks the files of flowctl tls certs before it starts anything: stand-ins, keys 0600.
  const tls = ir.controlPlane.enabled && ir.controlPlane.tls ? await standInTlsDir(stateDir, ir) : undefined;
  const child = new Deno.Command("bash", {
    args: ["-c", script.replace(LOCAL_RUNTIME, RECORDING_RUNTIME), "run.sh"],
    env: { ...secrets, RECORDING_STATE_DIR: stateDir, ...(tls && { FLOWCTL_TLS_DIR: tls }) },
    stdout: "piped",
    stderr: "piped",
  });
  const out = await child.output();
  try {
    await checkLocalFiles(out.stdout, ir, stateDir);
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
  assert.equal(out.code, 0, `bash ran the script: ${new TextDecoder().decode(out.stderr)}`);
  const fields = new TextDecoder().decode(out.stdout).split("\0");
  const calls: string[][] = [];
  for (let i = 0; i < fields.length - 1;) {
    const n = Number(fields[i]);
    calls.push(fields.slice(i + 1, i + 1 + n));
    i += 1 + n;
  }
  // The control plane first (its name no component can have), then the components in the IR's order.
  const started = calls.filter((args) => args[0] !== "flowctl-control-plane");
  const components = ir.components.filter((c) => c.replicas !== 0);
  assert.equal(started.length, components.length, "one start per component");
  for (const [n, c] of components.entries()) {
    const call = started[n];
    // NAME POLICY [CONTAINER] env -- K=V... ARGV: no program name holds "=" (the generator refuses one).
    let at = call.indexOf("--") + 1;
    const env: Record<string, string> = {};
    while (at < call.length && call[at].includes("=")) {
      const word = call[at++];
      env[word.slice(0, word.indexOf("="))] = word.slice(word.indexOf("=") + 1);
    }
    for (const [key, { value }] of Object.entries(c.env)) {
      if (!FLOWCTL_OWNED.has(key)) assert.equal(env[key], value, `${c.id}: env ${key} as the process gets it`);
    }
    for (const [key, ref] of Object.entries(c.secrets)) assert.equal(env[key], `secret:${ref.variable}`, `${c.id}: secret ${key}`);
    // A process finds its TLS files in the folder, a container at the fixed paths (bound there).
    if (tls) assert.equal(env.FLOWCTL_TLS_CA, c.image ? "/etc/flowctl/tls/ca.pem" : `${tls}/ca.pem`, `${c.id}: FLOWCTL_TLS_CA`);
    if (tls && ir.controlPlane.tls!.mode === "mutual") {
      assert.equal(env.FLOWCTL_TLS_KEY, c.image ? "/etc/flowctl/tls/key.pem" : `${tls}/components/${c.id}-key.pem`, `${c.id}: FLOWCTL_TLS_KEY`);
    }
    let argv = call.slice(at);
    if (c.image) {
      // docker run --rm --network host --name NAME (-e K | -v V)* [--entrypoint E] IMAGE ARGS...
      assert.deepEqual(argv.slice(0, 6), ["docker", "run", "--rm", "--network", "host", "--name"]);
      let i = 7;
      while (argv[i] === "-e" || argv[i] === "-v") i += 2;
      const entrypoint = argv[i] === "--entrypoint" ? [argv[i + 1]] : [];
      if (entrypoint.length) i += 2;
      assert.equal(argv[i], c.image, `${c.id}: image`);
      argv = [...entrypoint, ...argv.slice(i + 1)];
    }
    assert.deepEqual(argv, [...(c.command ?? []), ...c.args], `${c.id}: argv as the process gets it`);
  }
}

/** A tls dir with every file run.sh checks for (the contents do not matter to it); its absolute path. */
async function standInTlsDir(stateDir: string, ir: PipelineIR): Promise<string> {
  const dir = `${stateDir}/tls`;
  const names = ["ca.pem", "control-plane.pem", "control-plane-key.pem", ...ir.components.flatMap((c) => [`components/${c.id}.pem`, `components/${c.id}-key.pem`])];
  for (const name of names) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, "stand-in\n", { mode: 0o600 });
  }
  return dir;
}

/** Each file run.sh wrote is where the component is told it is (a docker -v source, or FLOWCTL_FILES_DIR), byte for byte. */
async function checkLocalFiles(stdout: Uint8Array, ir: PipelineIR, stateDir: string): Promise<void> {
  const words = new TextDecoder().decode(stdout).split("\0");
  for (const c of ir.components) {
    if (c.replicas === 0) continue;
    for (const f of c.files) {
      const bound = words.find((w) => w.startsWith(`${stateDir}/files/`) && w.endsWith(`${f.path}:${f.path}:ro`));
      const dir = words.find((w) => w.startsWith(`FLOWCTL_FILES_DIR=${stateDir}/files/`));
      const path = c.image ? bound?.slice(0, bound.length - `:${f.path}:ro`.length) : dir && `${dir.slice("FLOWCTL_FILES_DIR=".length)}${f.path}`;
      assert.ok(path, `${c.id}: where ${f.path} is`);
      assert.equal(await Deno.readTextFile(path), f.content, `${c.id}: file ${f.path} byte for byte`);
    }
  }
}
