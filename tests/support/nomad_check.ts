/**
 * Proves Nomad jobspecs with HashiCorp's own HCL parser (@cdktf/hcl2json, a
 * wasm build of hashicorp/hcl v2) and a block table derived from Nomad
 * v2.0.5's api structs (schemas/upstream/nomad-hcl-blocks.v2.0.5.derived.json):
 * every block and attribute must be one Nomad knows, with the right type, and
 * required attributes must be there. `parsedJob` returns the job as the
 * parser read it, for the tests to compare with the IR and the API JSON.
 */
import { parse } from "@cdktf/hcl2json";

// deno-lint-ignore no-explicit-any
type Any = any;

interface Table {
  extra: Any;
  structs: Record<string, { attrs: Record<string, { go: string; required: boolean }>; blocks: Record<string, Any>; labels: string[] }>;
}

let table: Table | undefined;
async function blockTable(): Promise<Table> {
  table ??= JSON.parse(
    await Deno.readTextFile(new URL("../../schemas/upstream/nomad-hcl-blocks.v2.0.5.derived.json", import.meta.url)),
  );
  return table!;
}

/** HCL leaves `$${` and `%%{` as written in hcl2json's output, in keys and values; Nomad reads them as `${` and `%{`. */
export function unescapeHcl(value: Any): Any {
  if (typeof value === "string") return value.replaceAll("$${", "${").replaceAll("%%{", "%{");
  if (Array.isArray(value)) return value.map(unescapeHcl);
  // Quoted keys are templates too: `"$${x}" = 1` is the key `${x}`.
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [unescapeHcl(k), unescapeHcl(v)]));
  return value;
}

/**
 * hcl2json keeps interpolations as source text, so `${x}` (an interpolation)
 * and `$${x}` (literal text) differ in its output. flowctl writes no
 * interpolation or directive at all: any unescaped one came from user input.
 */
export function unescapedTemplates(value: Any, path = ""): string[] {
  if (typeof value === "string") {
    return startsTemplate(value) ? [`${path}: ${JSON.stringify(value)} holds HCL template syntax`] : [];
  }
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => unescapedTemplates(v, `${path}.${k}`));
  }
  return [];
}

/**
 * Scans left to right as HCL's scanner does: `$${` and `%%{` are literal
 * text and skipped whole, so in `$$${` only the last three characters are the
 * escape and the first `$` is plain text (deleting escapes would instead join
 * that `$` to the `{` after them).
 */
export function startsTemplate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const rest = text.slice(i, i + 3);
    if (rest === "$${" || rest === "%%{") i += 2;
    else if (rest.startsWith("${") || rest.startsWith("%{")) return true;
  }
  return false;
}

/** Parses a jobspec; throws with the parser's file:line,col message when it is not HCL, or when it interpolates. */
export async function parsedJob(name: string, text: string): Promise<{ id: string; job: Any }> {
  const file: Any = await parse(name, text);
  const interpolations = unescapedTemplates(file);
  if (interpolations.length) throw new Error(interpolations.join("\n"));
  const jobs = Object.entries(file.job ?? {});
  if (jobs.length !== 1) throw new Error(`expected one job block, found ${jobs.length}`);
  const [id, bodies] = jobs[0] as [string, Any[]];
  return { id, job: unescapeHcl(bodies[0]) };
}

/** Every structural problem of a jobspec, as text; [] when Nomad's tables accept it. */
export async function nomadErrors(name: string, text: string): Promise<string[]> {
  const { structs, extra } = await blockTable();
  const errors: string[] = [];
  let file: Any;
  try {
    file = await parse(name, text);
  } catch (e) {
    return [`HCL: ${e instanceof Error ? e.message : e}`];
  }
  for (const key of Object.keys(file)) if (!extra.file.blocks.includes(key)) errors.push(`unknown top-level ${key}`);
  const jobs = Object.entries<Any[]>(file.job ?? {});
  if (jobs.length !== 1) errors.push(`expected one job block, found ${jobs.length}`);

  const typeOk = (go: string, v: Any): boolean => {
    const t = go.replace(/^\*/, "");
    if (typeof v === "string" && v.includes("${")) return true; // evaluated by Nomad, not typed here
    if (t.startsWith("[]")) return Array.isArray(v);
    if (t.startsWith("map[")) return typeof v === "object" && !Array.isArray(v);
    if (/^(u?int\d*|float\d*)$/.test(t)) return typeof v === "number" || (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v));
    if (t === "bool") return typeof v === "boolean" || v === "true" || v === "false";
    if (t === "string") return typeof v === "string";
    if (t === "time.Duration") return typeof v === "string" && /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v);
    return true;
  };

  const walk = (structName: string, body: Any, path: string, context: string) => {
    const s = structs[structName];
    if (!s) return;
    const extraBlocks: Record<string, string> = extra[context]?.blocks && !Array.isArray(extra[context].blocks) ? extra[context].blocks : {};
    const mapAttrs: string[] = extra[context]?.mapAttrs ?? [];
    for (const [key, v] of Object.entries<Any>(body)) {
      const at = `${path}.${key}`;
      const constraintLike = ["Constraint", "Affinity", "Spread"].includes(structName) && extra.constraintAttrs.includes(key);
      if (s.attrs[key] || constraintLike) {
        if (s.attrs[key] && !typeOk(s.attrs[key].go, v)) errors.push(`${at}: expected ${s.attrs[key].go}, got ${JSON.stringify(v)}`);
        continue;
      }
      if (mapAttrs.includes(key) && !Array.isArray(v)) continue;
      const b = s.blocks[key] ?? (extraBlocks[key] ? { struct: extraBlocks[key] } : undefined);
      if (!b) {
        errors.push(`${at}: ${structName} has no attribute or block "${key}"`);
        continue;
      }
      if (!b.struct || extra.opaqueBlocks.includes(key)) continue;
      const labeled = (structs[b.struct]?.labels ?? []).length > 0;
      const bodies: [string, Any][] = labeled
        ? Object.entries<Any[]>(v).flatMap(([label, list]) => list.map((x): [string, Any] => [`${at}["${label}"]`, x]))
        : (Array.isArray(v) ? v : [v]).map((x: Any, i: number): [string, Any] => [`${at}[${i}]`, x]);
      for (const [p, x] of bodies) {
        if (!x || typeof x !== "object" || Array.isArray(x)) errors.push(`${p}: "${key}" must be a block`);
        else walk(b.struct, x, p, key);
      }
    }
    for (const [key, a] of Object.entries(s.attrs)) if (a.required && !(key in body)) errors.push(`${path}: ${structName} needs "${key}"`);
  };

  for (const [id, bodies] of jobs) {
    for (const body of bodies) {
      walk("Job", body, `job["${id}"]`, "job");
      if (body.type && !["service", "batch", "system", "sysbatch"].includes(body.type)) errors.push(`job type ${body.type}`);
      errors.push(...references(body));
    }
  }
  return errors;
}

/** What the table cannot see: ports, volumes and services named by label must exist in their group. */
function references(job: Any): string[] {
  const errors: string[] = [];
  for (const [name, [group]] of Object.entries<Any[]>(job.group ?? {})) {
    const ports = new Set(Object.keys(group.network?.[0]?.port ?? {}));
    const volumes = new Set(Object.keys(group.volume ?? {}));
    for (const s of group.service ?? []) {
      if (s.port && !ports.has(s.port)) errors.push(`group ${name}: service port ${s.port} is no network port`);
      for (const c of s.check ?? []) if (c.port && !ports.has(c.port)) errors.push(`group ${name}: check port ${c.port} is no network port`);
    }
    for (const [taskName, [task]] of Object.entries<Any[]>(group.task ?? {})) {
      for (const p of task.config?.[0]?.ports ?? []) if (!ports.has(p)) errors.push(`task ${taskName}: port ${p} is no network port`);
      for (const m of task.volume_mount ?? []) if (!volumes.has(m.volume)) errors.push(`task ${taskName}: volume ${m.volume} is not declared`);
      if (task.driver === "docker" && !task.config?.[0]?.image) errors.push(`task ${taskName}: docker needs an image`);
      if (task.driver !== "docker" && !task.config?.[0]?.command) errors.push(`task ${taskName}: ${task.driver} needs a command`);
    }
  }
  return errors;
}

/**
 * Renders the template data flowctl writes, the way Nomad would, with a fake
 * address per service, and reads the env file as go-envparse does (double
 * quotes with \\ \" \n \t escapes). Anything else that looks like a Go
 * template action is an error, so a user's `{{` cannot pass unnoticed.
 */
export function renderWiring(data: string, address: (service: string) => string): Record<string, string> {
  const lookup = /\{\{ with (?:nomadService|service) "([^"]+)" \}\}\{\{ with index \. 0 \}\}\{\{ \.Address \}\}:\{\{ \.Port \}\}\{\{ end \}\}\{\{ end \}\}/g;
  const rendered = data.replace(lookup, (_, s) => address(s)).replaceAll('{{ "{{" }}', "\u0000");
  if (rendered.includes("{{")) throw new Error(`unexpected template action in ${JSON.stringify(data)}`);
  const env: Record<string, string> = {};
  for (const line of rendered.replaceAll("\u0000", "{{").split("\n")) {
    if (line === "") continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!m) throw new Error(`not an env line: ${JSON.stringify(line)}`);
    env[m[1]] = m[2].replace(/\\(.)/g, (_, ch) => (ch === "n" ? "\n" : ch === "t" ? "\t" : ch));
  }
  return env;
}
