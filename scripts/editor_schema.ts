/**
 * Writes schemas/pipeline.schema.json, the JSON Schema editors use to complete
 * and check pipeline files (yaml-language-server, VS Code), from
 * schemas/pipeline.cue: CUE's own OpenAPI encoder (cue-wasm), then
 * @openapi-contrib/openapi-schema-to-json-schema (JSON Schema draft-04).
 *
 * CUE 0.4.3's encoder cannot express a non-empty list (`[...T] & [_, ...]`);
 * those constraints are taken out before encoding and put back as minItems: 1.
 * What it cannot express at all stays with `flowctl validate`: closed structs
 * (unknown keys), the `x-` extension keys, the volume rule "mountPath unless
 * container_path", and the graph checks.
 *
 *   deno task schema        rewrite it (CI fails when it is stale)
 */
import { openapiSchemaToJsonSchema } from "@openapi-contrib/openapi-schema-to-json-schema";
import { loadCue } from "../host/cue_wasm.ts";
import { PIPELINE_CUE } from "../schemas/pipeline_cue.ts";

type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };

const NON_EMPTY = " & [_, ...]";

/** The CUE text without non-empty-list constraints, and where they were (definition, field). */
function withoutNonEmptyLists(cue: string): { text: string; fields: { definition: string; field: string }[] } {
  const fields: { definition: string; field: string }[] = [];
  let definition = "";
  const lines = cue.split("\n").map((line) => {
    const opens = /^#(\w+):\s*\{/.exec(line);
    if (opens) definition = opens[1];
    if (!line.includes(NON_EMPTY)) return line;
    const field = /^\t(\w+)\??:/.exec(line);
    if (!field || !definition) throw new Error(`cannot place the non-empty list in: ${line.trim()}`);
    fields.push({ definition, field: field[1] });
    return line.replace(NON_EMPTY, "");
  });
  return { text: lines.join("\n"), fields };
}

export async function editorSchema(): Promise<string> {
  const cue = await loadCue();
  const { text, fields } = withoutNonEmptyLists(PIPELINE_CUE);
  const result = cue.openapi(text);
  if (result.error) throw new Error(`CUE's OpenAPI encoder failed: ${result.error}`);
  const components = JSON.parse(result.json!).components.schemas as Record<string, Schema>;

  const definitions: Record<string, Schema> = {};
  for (const name of Object.keys(components).sort()) {
    const { $schema: _, ...converted } = openapiSchemaToJsonSchema(components[name]) as Schema;
    definitions[name] = JSON.parse(JSON.stringify(converted).replaceAll('"#/components/schemas/', '"#/definitions/'));
  }
  for (const { definition, field } of fields) {
    const original = JSON.stringify(definitions[definition]?.properties?.[field]);
    if (original === undefined) throw new Error(`#${definition}.${field} is not in the encoded schema`);
    // Embedding (#Source: {#Component}) copies the field into other definitions: mark every identical copy.
    for (const schema of Object.values(definitions)) {
      const property = schema.properties?.[field];
      if (property && JSON.stringify(property) === original) property.minItems = 1;
    }
  }
  const document = {
    $schema: "http://json-schema.org/draft-04/schema#",
    title: "flowctl pipeline (apiVersion: flowctl/v1)",
    description: "Generated from schemas/pipeline.cue by scripts/editor_schema.ts; do not edit. " +
      "Editors use it to complete and check pipeline files; flowctl validate also checks unknown keys and the graph.",
    $ref: "#/definitions/Pipeline",
    definitions,
  };
  return JSON.stringify(document, null, 2) + "\n";
}

if (import.meta.main) {
  await Deno.writeTextFile(new URL("../schemas/pipeline.schema.json", import.meta.url), await editorSchema());
}
