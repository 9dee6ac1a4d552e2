/**
 * Writes what is derived from schemas/pipeline.cue, so that CUE stays the one
 * source of truth for the shape of a pipeline file:
 *   schemas/pipeline.schema.json  the JSON Schema (draft-07) editors use
 *   schemas/pipeline_types.ts     the TypeScript types of a checked document
 *
 * Route: CUE's own OpenAPI encoder (flowctl's CUE build, cue/), whose schema objects are JSON
 * Schema for everything the pipeline schema uses, then four things CUE's
 * encoder leaves out, each read from the CUE text so that the output follows
 * the schema: definitions are closed (additionalProperties: false), pattern
 * fields (`[=~"^x-"]: _`) become patternProperties, a field required unless
 * another is given (`if container_path == _|_ { mountPath: … }`) becomes an
 * anyOf, and a non-empty list (`[...T] & [_, ...]`) gets minItems: 1 (the
 * encoder fails on it, so it is taken out first). The types come from that
 * schema through json-schema-to-typescript.
 *
 *   deno task schema        rewrite both (CI and the tests fail when they are stale)
 */
import { compile } from "json-schema-to-typescript";
import { loadCue } from "../host/cue_wasm.ts";
import { PIPELINE_CUE } from "../schemas/pipeline_cue.ts";

type Schema = { [key: string]: unknown } & {
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
  $ref?: string;
};

/** Keywords the conversion understands; anything else fails the script rather than slip through. */
const KNOWN = new Set([
  "type", "properties", "required", "items", "enum", "oneOf", "anyOf", "allOf", "$ref", "pattern",
  "minimum", "maximum", "exclusiveMinimum", "minItems", "description", "additionalProperties",
]);

const NON_EMPTY = " & [_, ...]";

/** What the CUE text says that the encoder drops, per definition. */
interface CueFacts {
  nonEmptyLists: { definition: string; field: string }[];
  patternFields: { definition: string; pattern: string }[];
  /** `field` is required unless `unless` is given. */
  requiredUnless: { definition: string; field: string; unless: string }[];
}

/** Reads the facts from the CUE text (written in `cue fmt` style) and returns the text the encoder can take. */
function readCue(cue: string): { text: string; facts: CueFacts } {
  const facts: CueFacts = { nonEmptyLists: [], patternFields: [], requiredUnless: [] };
  let definition = "";
  let unless: string | undefined;
  const lines = cue.split("\n").map((line) => {
    const opens = /^#(\w+):\s*\{/.exec(line);
    if (opens) definition = opens[1];
    const pattern = /^\t\[=~"(.+)"\]:\s*_$/.exec(line);
    if (pattern) facts.patternFields.push({ definition, pattern: pattern[1].replaceAll("\\\\", "\\") });
    const condition = /^\tif (\w+) == _\|_ \{$/.exec(line);
    if (condition) unless = condition[1];
    else if (unless && /^\t\}$/.test(line)) unless = undefined;
    else if (unless) {
      const field = /^\t\t(\w+):/.exec(line);
      if (!field) throw new Error(`cannot read the condition on ${unless} in #${definition}: ${line.trim()}`);
      facts.requiredUnless.push({ definition, field: field[1], unless });
    }
    if (!line.includes(NON_EMPTY)) return line;
    const field = /^\t(\w+)\??:/.exec(line);
    if (!field || !definition) throw new Error(`cannot place the non-empty list in: ${line.trim()}`);
    facts.nonEmptyLists.push({ definition, field: field[1] });
    return line.replace(NON_EMPTY, "");
  });
  return { text: lines.join("\n"), facts };
}

/** OpenAPI 3.0 schema objects → JSON Schema draft-07 for the keywords in KNOWN. */
function toDraft07(schema: Schema, where: string): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!KNOWN.has(key)) throw new Error(`${where}: the encoder wrote "${key}", which this script does not convert`);
    if (key === "$ref") out.$ref = (value as string).replace("#/components/schemas/", "#/definitions/");
    else if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toDraft07(v, `${where}.${k}`)]),
      );
    } else if (key === "items" || (key === "additionalProperties" && typeof value === "object")) {
      out[key] = toDraft07(value as Schema, `${where}.${key}`);
    } else if (key === "oneOf" || key === "anyOf" || key === "allOf") {
      out[key] = (value as Schema[]).map((v, i) => toDraft07(v, `${where}.${key}[${i}]`));
    } else if (key === "exclusiveMinimum") {
      // OpenAPI 3.0 (draft-04) says `minimum: 0, exclusiveMinimum: true`; draft-07 says `exclusiveMinimum: 0`.
      if (value !== true || typeof schema.minimum !== "number") throw new Error(`${where}: unexpected exclusiveMinimum`);
      out.exclusiveMinimum = schema.minimum;
    } else if (key === "minimum" && schema.exclusiveMinimum === true) continue;
    else out[key] = value;
  }
  return out;
}

/** CUE definitions are closed: every object with named fields admits no others; free maps say so. */
function close(schema: Schema): void {
  if (schema.type === "object" && schema.properties && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
  if (schema.type === "object" && !schema.properties && schema.additionalProperties === undefined) {
    schema.additionalProperties = {}; // `[string]: _`: any value
  }
  for (const value of Object.values(schema)) {
    if (Array.isArray(value)) value.forEach((v) => typeof v === "object" && v && close(v as Schema));
    else if (typeof value === "object" && value) close(value as Schema);
  }
}

export async function derivedSchemas(): Promise<{ jsonSchema: string; types: string }> {
  const cue = await loadCue();
  const { text, facts } = readCue(PIPELINE_CUE);
  const result = cue.openapi(text);
  if (result.error) throw new Error(`CUE's OpenAPI encoder failed: ${result.error}`);
  const encoded = JSON.parse(result.json!).components.schemas as Record<string, Schema>;
  const definitions: Record<string, Schema> = {};
  for (const name of Object.keys(encoded).sort()) definitions[name] = toDraft07(encoded[name], `#${name}`);

  // A definition that only embeds another (#Source: {#Component}) is that definition; the encoder
  // wrote out a copy of it.
  for (const [name, schema] of Object.entries(definitions)) {
    const same = Object.keys(definitions).find((other) =>
      other !== name && !definitions[other].$ref && JSON.stringify(definitions[other]) === JSON.stringify(schema) &&
      new RegExp(`^#${name}: \\{\\n\\t#${other}\\n\\}$`, "m").test(text)
    );
    if (same) definitions[name] = { $ref: `#/definitions/${same}` };
  }
  for (const { definition, field } of facts.nonEmptyLists) {
    const property = definitions[definition]?.properties?.[field];
    if (!property) throw new Error(`#${definition}.${field} is not in the encoded schema`);
    property.minItems = 1;
  }
  // One that embeds another and adds fields (#PipelineComponent: {#Component, …}) is flattened,
  // because additionalProperties: false cannot see through allOf.
  for (const [name, schema] of Object.entries(definitions)) {
    if (!schema.allOf) continue;
    const { allOf, ...own } = schema;
    const merged: Schema = { type: "object", properties: {}, required: [] };
    for (const part of [...allOf.map((p) => definitions[p.$ref!.slice("#/definitions/".length)]), own]) {
      Object.assign(merged.properties!, part.properties);
      merged.required = [...new Set([...merged.required!, ...(part.required ?? [])])];
    }
    if (!merged.required!.length) delete merged.required;
    definitions[name] = merged;
  }
  for (const { definition, field, unless } of facts.requiredUnless) {
    const schema = definitions[definition];
    if (!schema?.required?.includes(field)) throw new Error(`#${definition}.${field} is not marked required by the encoder`);
    schema.required = schema.required.filter((f) => f !== field);
    schema.anyOf = [{ required: [field] }, { required: [unless] }];
  }
  for (const schema of Object.values(definitions)) close(schema);
  for (const { definition, pattern } of facts.patternFields) {
    const schema = definitions[definition];
    if (!schema) throw new Error(`#${definition} is not in the encoded schema`);
    schema.patternProperties = { [pattern]: {} };
  }

  const jsonSchema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "flowctl pipeline (apiVersion: flowctl/v1)",
    description: "Generated from schemas/pipeline.cue by scripts/schemas.ts; do not edit. " +
      "Editors use it to complete and check pipeline files; flowctl validate also checks the graph (ids, inputs, cycles).",
    $ref: "#/definitions/Pipeline",
    definitions,
  };

  // The types: the Pipeline definition is the root; every other definition is a named type.
  const { Pipeline, ...others } = definitions;
  const typesInput = { ...structuredClone(Pipeline), title: "Pipeline", definitions: structuredClone(others) };
  // "One of these two is required" has no TypeScript form: both stay optional there.
  for (const schema of Object.values(typesInput.definitions)) delete schema.anyOf;
  const generated = await compile(typesInput as Parameters<typeof compile>[0], "Pipeline", {
    bannerComment: "",
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { printWidth: 110, semi: true, singleQuote: false, trailingComma: "all" },
  });
  // A pattern field `^x-` is a prefix: TypeScript says that exactly (`x-${string}`), so a named field
  // added later is not swallowed by an index signature of any string.
  let typed = generated;
  for (const { definition, pattern } of facts.patternFields) {
    const prefix = /^\^([\w-]+)$/.exec(pattern)?.[1];
    if (!prefix) throw new Error(`#${definition}: the pattern ${pattern} is not a plain prefix, which the types cannot say`);
    const body = new RegExp(`(export interface ${definition} \\{[^}]*?)\\[k: string\\]: unknown;`);
    if (!body.test(typed)) throw new Error(`no index signature for the pattern fields of #${definition} in the generated types`);
    typed = typed.replace(body, `$1[k: \`${prefix}\${string}\`]: unknown;`);
  }
  const types = [
    "// Generated from schemas/pipeline.cue by scripts/schemas.ts (deno task schema); do not edit.",
    "// A pipeline document as the CUE schema accepts it: what normalize reads once CUE found no error.",
    typed.replace(/\n \*\n \* This interface was referenced by `Pipeline`'s JSON-Schema\n \* via the `definition` "\w+"\./g, "")
      .replace(/\/\*\*\n \* This interface was referenced by `Pipeline`'s JSON-Schema\n \* via the `definition` "\w+"\.\n \*\/\n/g, "")
      .replace(/ +\/\*\*\n +\* This interface was referenced by `Pipeline`'s JSON-Schema definition\n +\* via the `patternProperty` "[^"]+"\.\n +\*\/\n/g, "")
      .trim(),
    "",
  ].join("\n");
  return { jsonSchema: JSON.stringify(jsonSchema, null, 2) + "\n", types };
}

export const OUTPUTS = {
  jsonSchema: "schemas/pipeline.schema.json",
  types: "schemas/pipeline_types.ts",
} as const;

if (import.meta.main) {
  const derived = await derivedSchemas();
  for (const [key, path] of Object.entries(OUTPUTS)) {
    await Deno.writeTextFile(new URL(`../${path}`, import.meta.url), derived[key as keyof typeof OUTPUTS]);
  }
}
