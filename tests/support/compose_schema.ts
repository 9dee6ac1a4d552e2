/**
 * Validates docker-compose files against the Compose Specification JSON Schema
 * (schemas/upstream/compose-spec.json) with ajv.
 */
import AjvModule from "ajv";

// ajv is CommonJS; its class is the default export of the default export.
const Ajv = AjvModule.default;
import { parse } from "yaml";

let validator: ((doc: unknown) => string[]) | undefined;

export async function composeErrors(text: string): Promise<string[]> {
  if (!validator) {
    const schema = JSON.parse(await Deno.readTextFile(new URL("../../schemas/upstream/compose-spec.json", import.meta.url)));
    // ajv does not know the https draft-07 id the file names; draft-07 is its default.
    delete schema.$schema;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const check = ajv.compile(schema);
    validator = (doc) =>
      check(doc) ? [] : (check.errors ?? []).map((e: { instancePath: string; message?: string; params: unknown }) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  }
  return validator(parse(text, { uniqueKeys: true }));
}
