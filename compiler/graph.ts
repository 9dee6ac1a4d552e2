/**
 * Stage 4: rules across components, which the schema cannot express: ids
 * unique, inputs that exist, no cycles, input counts per kind, something to
 * run, health ports, host ports, names every target can use. Works on the raw
 * data defensively, so its findings come out in the same run as schema errors.
 */
import { diagnostic, type Diagnostic, quote } from "./diagnostics.ts";
import { closest } from "./suggest.ts";
import { getAt, isRecord, type LocatedDocument, locate, type Path } from "./source.ts";
import type { ComponentKind } from "./ir.ts";
import { dnsLabel, healthPortOf, isRegistryType, SECTIONS } from "./format.ts";

/** A component as the graph checks see it: only what they need, read defensively (the schema may have found errors). */
interface RawComponent {
  id: string;
  kind: ComponentKind;
  path: Path;
  index: number;
  data: Record<string, unknown>;
  inputs: { id: string; path: Path }[];
  dependsOn: { id: string; path: Path }[];
}

function rawComponents(data: unknown): RawComponent[] {
  const out: RawComponent[] = [];
  for (const { key, kind } of SECTIONS) {
    const list = getAt(data, ["spec", key]);
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (!isRecord(c) || typeof c.id !== "string") return;
      const path: Path = ["spec", key, i];
      const refs = (field: string): { id: string; path: Path }[] => {
        const list: unknown = c[field];
        if (!Array.isArray(list)) return [];
        return list.flatMap((id, j) => (typeof id === "string" ? [{ id, path: [...path, field, j] }] : []));
      };
      out.push({ id: c.id, kind, path, index: out.length, data: c, inputs: refs("inputs"), dependsOn: refs("depends_on") });
    });
  }
  return out;
}

export function checkGraph(doc: LocatedDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: Path, onKey = false) => locate(doc, path, onKey);
  const components = rawComponents(doc.data);

  // CUE is content with a missing spec (every field of #Spec is optional, so it is as good as {}).
  if (isRecord(doc.data) && !("spec" in doc.data)) {
    out.push(diagnostic(
      "E_MISSING_FIELD",
      at([]),
      'required field "spec" is missing at the top level',
      "add spec: with the pipeline's sources, processors and sinks",
    ));
  }
  const count = (key: string) => {
    const list = getAt(doc.data, ["spec", key]);
    return Array.isArray(list) ? list.length : 0;
  };
  if (isRecord(getAt(doc.data, ["spec"])) && count("sources") + count("pipelines") === 0) {
    out.push(diagnostic(
      "E_NO_COMPONENTS",
      at(["spec"]),
      "pipeline has no sources and no pipeline components",
      "add a component under spec.sources (or spec.pipelines)",
    ));
  }

  const byId = new Map<string, RawComponent>();
  for (const c of components) {
    const first = byId.get(c.id);
    if (first) {
      const line = locate(doc, first.path).line;
      out.push(diagnostic(
        "E_DUPLICATE_ID",
        at([...c.path, "id"]),
        `component id "${c.id}" is already used by the ${first.kind} at line ${line}`,
        "ids must be unique across sources, processors, sinks and pipelines; rename one",
      ));
    } else byId.set(c.id, c);
  }
  const ids = [...byId.keys()];

  for (const c of components) {
    for (const ref of [...c.inputs, ...c.dependsOn]) {
      if (byId.has(ref.id)) continue;
      const guess = closest(ref.id, ids);
      out.push(diagnostic(
        "E_UNKNOWN_INPUT",
        at(ref.path),
        `${c.kind} "${c.id}" names "${ref.id}", which is not a component of this pipeline`,
        guess ? `did you mean "${guess}"?` : `use one of: ${ids.join(", ")}`,
      ));
    }
    if (c.kind === "source" && c.inputs.length > 0) {
      out.push(diagnostic(
        "E_SOURCE_HAS_INPUTS",
        at([...c.path, "inputs"], true),
        `source "${c.id}" lists inputs, but sources read from outside the pipeline`,
        "remove inputs, or move the component to processors",
      ));
    }
    if ((c.kind === "processor" || c.kind === "sink") && c.inputs.length === 0) {
      out.push(diagnostic(
        "E_NO_INPUTS",
        at(Array.isArray(c.data.inputs) ? [...c.path, "inputs"] : c.path, Array.isArray(c.data.inputs)),
        `${c.kind} "${c.id}" has no inputs`,
        `list the ids it reads from, e.g. inputs: [${ids.find((id) => id !== c.id) ?? "source-id"}]`,
      ));
    }
    const { image, command, type } = c.data;
    if (image === undefined && command === undefined && !isRegistryType(type)) {
      out.push(diagnostic(
        "E_NO_EXECUTABLE",
        at([...c.path, "id"]),
        `${c.kind} "${c.id}" has no image, no command and no registry type`,
        "add image: (a container image), command: [program, ...], or type: name@version",
      ));
    }
    if (typeof c.data.health_check === "string" && healthPortOf(c.data) === undefined) {
      out.push(diagnostic(
        "E_HEALTH_PORT",
        at([...c.path, "health_check"]),
        `${c.kind} "${c.id}" has a health_check but no port to check it on`,
        "add health_port: <port>, or HEALTH_PORT in env",
      ));
    }
    const program = Array.isArray(c.data.command) ? c.data.command[0] : undefined;
    if (typeof program === "string" && program.trim() === "") {
      out.push(diagnostic(
        "E_VALUE",
        at([...c.path, "command", 0]),
        `the command of ${c.kind} "${c.id}" starts with an empty program name`,
        "the first word of command is the program to run: name it, or leave command out to run the image's own",
      ));
    }
    // Any key is a map key to CUE; as an env name it must survive env(1), compose and the kubelet.
    const env = c.data.env;
    for (const key of isRecord(env) ? Object.keys(env) : []) {
      // deno-lint-ignore no-control-regex -- control characters are what this looks for
      if (/^[^=\x00-\x1f\x7f\u0085\u2028\u2029]+$/.test(key)) continue;
      out.push(diagnostic(
        "E_VALUE",
        at([...c.path, "env", key], true),
        `env name ${quote(key)} of ${c.kind} "${c.id}" cannot be an environment variable`,
        "an env name is not empty and holds no '=', no control character and no line separator",
      ));
    }
    out.push(...fileProblems(c, at));
    const sanitized = dnsLabel(c.id);
    if (sanitized !== c.id) {
      out.push(diagnostic(
        "W_NAME_SANITIZED",
        at([...c.path, "id"]),
        `id "${c.id}" is not a valid name on every target (lower-case letters, digits and '-', at most 63)`,
        `targets that need it use "${sanitized}"; rename the component to that to keep names equal everywhere`,
      ));
    }
  }

  out.push(...cycles(components, byId, at));
  out.push(...unconsumed(components, at));
  out.push(...hostPorts(components, at));
  return out;
}

function cycles(
  components: RawComponent[],
  byId: Map<string, RawComponent>,
  at: (p: Path, k?: boolean) => ReturnType<typeof locate>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const state = new Map<string, "visiting" | "done">();
  const reported = new Set<string>();
  // Iterative DFS along inputs and depends_on; a back edge closes a cycle.
  for (const start of components) {
    if (state.has(start.id)) continue;
    const stack: { c: RawComponent; next: number }[] = [{ c: start, next: 0 }];
    state.set(start.id, "visiting");
    while (stack.length) {
      const top = stack[stack.length - 1];
      const refs = [...top.c.inputs, ...top.c.dependsOn];
      if (top.next >= refs.length) {
        state.set(top.c.id, "done");
        stack.pop();
        continue;
      }
      const ref = refs[top.next++];
      const target = byId.get(ref.id);
      if (!target) continue;
      const s = state.get(target.id);
      if (s === "visiting") {
        const from = stack.findIndex((f) => f.c.id === target.id);
        const members = stack.slice(from).map((f) => f.c.id);
        const key = [...members].sort().join("\u0000");
        if (reported.has(key)) continue;
        reported.add(key);
        // Each component reads from the next in this list, so print the data flow.
        const chain = [...members.slice().reverse(), members[members.length - 1]].join(" -> ");
        // Every edge of the cycle (each frame's current input); one an overlay or --set wrote is the
        // likelier mistake, so the error goes there, else to the edge that closed the cycle.
        const edges = stack.slice(from).map((f) => [...f.c.inputs, ...f.c.dependsOn][f.next - 1]);
        const home = at([]).file;
        const laid = edges.map((e) => at(e.path)).find((where) => where.file !== home);
        out.push(diagnostic(
          "E_CYCLE",
          laid ?? at(ref.path),
          `inputs form a cycle: ${chain}`,
          "data must flow one way; remove one of these inputs",
        ));
      } else if (s === undefined) {
        state.set(target.id, "visiting");
        stack.push({ c: target, next: 0 });
      }
    }
  }
  return out;
}

function unconsumed(components: RawComponent[], at: (p: Path) => ReturnType<typeof locate>): Diagnostic[] {
  const consumed = new Set(components.flatMap((c) => c.inputs.map((r) => r.id)));
  return components
    .filter((c) => (c.kind === "source" || c.kind === "processor") && !consumed.has(c.id))
    .map((c) =>
      diagnostic(
        "W_UNCONSUMED",
        at([...c.path, "id"]),
        `nothing reads the output of ${c.kind} "${c.id}"`,
        `add "${c.id}" to the inputs of a processor or sink, or remove it`,
      )
    );
}

function hostPorts(components: RawComponent[], at: (p: Path) => ReturnType<typeof locate>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const taken = new Map<string, string>();
  for (const c of components) {
    const ports = Array.isArray(c.data.ports) ? c.data.ports : [];
    ports.forEach((p, i) => {
      if (!isRecord(p) || typeof p.hostPort !== "number") return;
      const key = `${p.hostPort}/${typeof p.protocol === "string" ? p.protocol : "TCP"}`;
      const owner = taken.get(key);
      if (owner !== undefined) {
        out.push(diagnostic(
          "E_PORT_CONFLICT",
          at([...c.path, "ports", i, "hostPort"]),
          `host port ${key} is already published by "${owner}"`,
          "give each component its own hostPort, or leave hostPort out to keep the port internal",
        ));
      } else taken.set(key, c.id);
    });
  }
  return out;
}

/** The most text a component's file may hold: it travels inside the generated files (a ConfigMap is at most 1 MiB). */
export const FILE_LIMIT_BYTES = 256 * 1024;

/** Each file has content or source (not both, not neither), a path of its own, and at most FILE_LIMIT_BYTES of text. */
function fileProblems(c: RawComponent, at: (p: Path, onKey?: boolean) => ReturnType<typeof locate>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const files = c.data.files;
  const seen = new Map<string, number>();
  (Array.isArray(files) ? files : []).forEach((f, i) => {
    if (!isRecord(f)) return;
    const has = (k: string) => Object.hasOwn(f, k);
    if (has("content") === has("source")) {
      out.push(diagnostic(
        "E_VALUE",
        at([...c.path, "files", i]),
        `file ${quote(f.path)} of ${c.kind} "${c.id}" needs content (the text) or source (a file beside the pipeline)${has("content") ? ", not both" : ""}`,
        "keep one of content: and source:",
      ));
    }
    if (typeof f.content === "string" && new TextEncoder().encode(f.content).length > FILE_LIMIT_BYTES) {
      out.push(diagnostic("E_VALUE", at([...c.path, "files", i, "content"]), `file ${quote(f.path)} of ${c.kind} "${c.id}" is over ${FILE_LIMIT_BYTES / 1024} KiB`, "mount a volume for large files"));
    }
    if (typeof f.path !== "string") return;
    const first = seen.get(f.path);
    if (first !== undefined) {
      out.push(diagnostic("E_VALUE", at([...c.path, "files", i, "path"]), `${c.kind} "${c.id}" has two files at ${f.path} (files[${first}] and files[${i}])`, "give each file its own path"));
    } else seen.set(f.path, i);
  });
  return out;
}
