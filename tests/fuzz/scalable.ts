/**
 * Pipeline files that grow with n in the ways that once cost quadratic time
 * (components, schema errors, documents, aliases, keys), and a count of the
 * work CUE does on them. The count is of bytes and calls, not time, so a test
 * can compare sizes without measuring a clock.
 */
import type { CueEngine } from "../../compiler/cue.ts";
import { validate } from "../../translate/compile.ts";
import { cue } from "../support/helpers.ts";

const HEAD = "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: p}\n";
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export const SCALABLE: readonly { name: string; text: (n: number) => string }[] = [
  {
    name: "a chain of n components",
    text: (n) => `${HEAD}spec:\n  sources: [{id: c0, image: i}]\n  processors:\n` +
      range(n).map((i) => `    - {id: c${i + 1}, image: i, inputs: [c${i}]}\n`).join(""),
  },
  {
    name: "n components with a schema error each",
    text: (n) => `${HEAD}spec:\n  sources:\n` + range(n).map((i) => `    - {id: s${i}, image: i, replicas: -${i + 1}}\n`).join(""),
  },
  {
    name: "n documents",
    text: (n) => range(n).map((i) => `${HEAD.replace("name: p", `name: p${i}`)}spec: {sources: [{id: s, image: i}]}\n`).join("---\n"),
  },
  {
    name: "n aliases of one anchor",
    text: (n) => `x-env: &e {A: "1"}\n${HEAD}spec:\n  sources:\n` + range(n).map((i) => `    - {id: s${i}, image: i, env: *e}\n`).join(""),
  },
  {
    name: "n env keys",
    text: (n) => `${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n      env:\n` + range(n).map((i) => `        K${i}: "${i}"\n`).join(""),
  },
  {
    name: "n unknown fields",
    text: (n) => `${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n` + range(n).map((i) => `      unknown${i}: 1\n`).join(""),
  },
];

/** Validates TEXT with an engine that counts what it is given. */
export async function cueWork(text: string): Promise<{ bytes: number; evaluations: number; diagnostics: number }> {
  const engine = await cue();
  const work = { bytes: 0, evaluations: 0 };
  const counting: CueEngine = {
    check(schema, definition, documents) {
      // The schema is compiled once per text; what grows with the input is the documents.
      work.bytes += documents.length;
      work.evaluations++;
      return engine.check(schema, definition, documents);
    },
    openapi: (source) => engine.openapi(source),
  };
  const { diagnostics } = validate(text, { filename: "scalable.yaml", cue: counting });
  return { ...work, diagnostics: diagnostics.length };
}
