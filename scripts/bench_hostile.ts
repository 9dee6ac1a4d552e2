/**
 * The worst inputs found so far, each about as large as the web service takes
 * (1 MiB): how long validating them takes in a warm process, and how the
 * answer ends. Part of `deno task bench`; nothing here asserts.
 */
import type { CueEngine } from "../compiler/cue.ts";
import { validate } from "../translate/compile.ts";
import { generatedPipeline } from "./generated_pipeline.ts";

const MIB = 1024 * 1024;
const HEAD = "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: p}\n";

/** Repeats `unit(i)` until the text is about `bytes` long. */
function fill(prefix: string, unit: (i: number) => string, bytes: number, suffix = ""): string {
  const parts = [prefix];
  let size = prefix.length + suffix.length;
  for (let i = 0; size < bytes; i++) {
    const u = unit(i);
    parts.push(u);
    size += u.length;
  }
  parts.push(suffix);
  return parts.join("");
}

export const HOSTILE_CASES: readonly { name: string; text: () => string | Uint8Array }[] = [
  { name: "50,000 env keys", text: () => fill(`${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n      env:\n`, (i) => `        K${i}: "${i}"\n`, MIB) },
  { name: "aliases of one anchor", text: () => fill(`x: &a [1]\n${HEAD}y:\n`, () => "  - *a\n", MIB) },
  { name: "aliases of many anchors", text: () => fill(`${HEAD}y:\n`, (i) => `  - &a${i} [1]\n  - *a${i}\n`, MIB) },
  { name: "'- ' nesting", text: () => "- ".repeat(MIB / 2) },
  { name: "'[' nesting", text: () => "[".repeat(MIB) },
  { name: "components with a schema error each", text: () => fill(`${HEAD}spec:\n  sources:\n`, (i) => `    - {id: s${i}, image: i, replicas: -1}\n`, MIB) },
  { name: "unknown fields", text: () => fill(`${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n`, (i) => `      unknown${i}: 1\n`, MIB) },
  { name: "documents", text: () => fill("", (i) => `${HEAD.replace("name: p", `name: p${i}`)}spec: {sources: [{id: s, image: i}]}\n---\n`, MIB) },
  {
    name: "duplicate keys",
    text: () => fill(`${HEAD}spec:\n  sources:\n    - id: s\n      image: i\n      env:\n`, (i) => `        K${i % 1000}: "${i}"\n`, MIB),
  },
  { name: "a long string", text: () => `${HEAD}spec:\n  sources: [{id: s, image: i, env: {A: "${"x".repeat(MIB)}"}}]\n` },
  {
    name: "bytes that are not UTF-8 at the end",
    text: () => new Uint8Array([...new TextEncoder().encode(fill(HEAD + "spec:\n  sources:\n", (i) => `    - {id: s${i}, image: i}\n`, MIB)), 0xc3]),
  },
  { name: "a flow list of numbers", text: () => `${HEAD}y: [${"1, ".repeat(MIB / 3)}1]\n` },
  { name: "commas in a string", text: () => `${HEAD}spec: {sources: [{id: s, image: i, env: {A: "${",".repeat(MIB)}"}}]}\n` },
  {
    name: "a megabyte of valid components",
    text: () => fill(`${HEAD}spec:\n  sources:\n    - {id: c0, image: i}\n  processors:\n`, (i) => `    - {id: c${i + 1}, image: i, inputs: [c${i}], env: {A: "${i}"}}\n`, MIB),
  },
  {
    name: "the largest file accepted (1,000 components, 880 KB of text)",
    text: () => generatedPipeline(1000).replace("\nspec:\n", `\nspec:\n  description: "${"x".repeat(880_000)}"\n`),
  },
  {
    // 1,400 components of 7 values each: just under the 10,000 values a file may hold.
    name: "the largest valid pipeline (1,400 components)",
    text: () => `${HEAD}spec:\n  sources:\n    - {id: c0, image: i}\n  processors:\n` +
      Array.from({ length: 1399 }, (_, i) => `    - {id: c${i + 1}, image: i, inputs: [c${i}], env: {A: "${i}"}}\n`).join(""),
  },
];

export function benchHostile(cue: CueEngine, log: (line: string) => void): void {
  log("hostile inputs of about 1 MiB (warm, in process; the web service's limit):");
  for (const c of HOSTILE_CASES) {
    const text = c.text();
    const t0 = performance.now();
    const result = validate(text, { filename: "hostile.yaml", cue });
    const ms = performance.now() - t0;
    const codes = [...new Set(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.code))];
    const size = (typeof text === "string" ? new TextEncoder().encode(text).length : text.length) / MIB;
    log(`  ${c.name.padEnd(54)} ${size.toFixed(2)} MiB ${`${ms.toFixed(0)} ms`.padStart(8)}  ${codes.join(", ") || "valid"}`);
  }
}
