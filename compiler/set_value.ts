/**
 * `--set PATH=VALUE`: one value laid over the pipeline after every overlay
 * file. PATH is dot-separated keys from the document's top
 * (`spec.controlPlane.port`, `metadata.labels.team`); a component list takes
 * the component's id as the next key, and `spec.` may be left out before it
 * (`processors.enrich.replicas`); a number indexes a list
 * (`sinks.db.inputs.0`). VALUE is read as a YAML scalar (`3`, `true`, `"3"`,
 * `abc`); empty or `null` deletes the key. A path that addresses nothing is a
 * problem, not a diagnostic: the caller's usage error.
 */
import { isScalar, parseDocument } from "yaml";
import { COMPONENT_LISTS } from "./overlay.ts";
import { formatPath, isRecord, type LocatedDocument, sourceFile } from "./source.ts";
import { closest } from "./suggest.ts";

export type SetResult = { document: LocatedDocument } | { problem: string };

/** Checks the form `PATH=VALUE` alone (a usage error before any file is read). */
export function setSyntaxProblem(expression: string): string | undefined {
  const eq = expression.indexOf("=");
  if (eq <= 0) return `--set needs PATH=VALUE (e.g. processors.enrich.replicas=3), not ${JSON.stringify(expression)}`;
  if (expression.slice(0, eq).split(".").some((s) => s === "")) return `--set ${expression.slice(0, eq)}: a path has no empty keys`;
  return undefined;
}

export function applySet(doc: LocatedDocument, expression: string): SetResult {
  const syntax = setSyntaxProblem(expression);
  if (syntax) return { problem: syntax };
  const eq = expression.indexOf("=");
  const keys = expression.slice(0, eq).split(".");
  const text = expression.slice(eq + 1);
  const fail = (why: string): SetResult => ({ problem: `--set ${expression.slice(0, eq)}: ${why}` });
  // Read quietly (the yaml package would print its warnings): a tag, a directive or anything but one scalar is refused.
  const parsed = parseDocument(text, { version: "1.2", schema: "core", logLevel: "silent" });
  const trouble = [...parsed.errors, ...parsed.warnings][0];
  if (trouble) return fail(`${JSON.stringify(text)} is not a plain YAML scalar (${trouble.message.split("\n")[0]})`);
  if (parsed.contents !== null && !isScalar(parsed.contents)) return fail("the value must be one scalar, not a list or a mapping");
  const value: unknown = parsed.contents === null ? null : parsed.contents.toJSON();
  if ((COMPONENT_LISTS as readonly string[]).includes(keys[0])) keys.unshift("spec");

  // Copy the containers along the path, so the document given is not changed.
  const root = isRecord(doc.data) ? { ...doc.data } : undefined;
  if (!root) return fail("the document is not a mapping");
  const path: (string | number)[] = [];
  let container: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const last = i === keys.length - 1;
    if (Array.isArray(container)) {
      const list: unknown[] = container;
      let index: number;
      if (path.length === 2 && path[0] === "spec" && (COMPONENT_LISTS as readonly unknown[]).includes(path[1])) {
        index = list.findIndex((c) => isRecord(c) && c.id === key);
        if (index < 0) {
          const ids = list.flatMap((c) => (isRecord(c) && typeof c.id === "string" ? [c.id] : []));
          const near = closest(key, ids);
          return fail(`no ${String(path[1]).replace(/s$/, "")} has id ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}`);
        }
      } else {
        index = /^\d+$/.test(key) ? Number(key) : -1;
        if (index < 0 || index >= list.length) return fail(`${formatPath(path)} has no item ${key} (it has ${list.length})`);
      }
      path.push(index);
      if (last) return fail(`${formatPath(path)} is a whole list item: set one of its keys`);
      const next: unknown = list[index];
      if (!isRecord(next) && !Array.isArray(next)) return fail(`${formatPath(path)} is ${JSON.stringify(next)}, which has no keys`);
      container = list[index] = Array.isArray(next) ? [...next] : { ...next };
      continue;
    }
    path.push(key);
    if (last) {
      if (value === null) delete container[key];
      else container[key] = value;
      break;
    }
    const next: unknown = container[key];
    if (next === undefined) container = container[key] = {};
    else if (Array.isArray(next)) container = container[key] = [...next];
    else if (isRecord(next)) container = container[key] = { ...next };
    else return fail(`${formatPath(path)} is ${JSON.stringify(next)}, which has no keys`);
  }

  // The value's place is the command line: a file named `--set` holding the expression.
  const spans = new Map(doc.spans);
  const prefix = formatPath(path);
  for (const key of [...spans.keys()]) if (key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`)) spans.delete(key);
  if (value !== null) spans.set(prefix, { start: eq + 1, end: expression.length, key: 0, source: sourceFile("--set", expression) });
  return { document: { source: doc.source, data: root, spans } };
}
