/**
 * The control plane loads its .proto files from JSON embedded in
 * controlplane/proto/protos.ts: it must be fresh, and give exactly the
 * definitions (message types, methods, encoded file descriptors) that
 * proto-loader makes from the files themselves.
 */
import assert from "node:assert/strict";
import * as protoLoader from "@grpc/proto-loader";
import { PROTO_OPTIONS } from "../../controlplane/grpc_service.ts";
import { CONTROL_PLANE_PROTOS } from "../../controlplane/proto/protos.ts";
import { PROTO_FILES, PROTO_MODULE, protosModule } from "../../scripts/embed_protos.ts";
import { ROOT } from "../support/helpers.ts";

const fromFiles = (files: string[]) =>
  protoLoader.loadSync(files, { ...PROTO_OPTIONS, includeDirs: [new URL("controlplane/proto", ROOT).pathname] });

/** A definition as comparable data: functions by name, descriptor bytes as base64. */
function comparable(definition: protoLoader.PackageDefinition): unknown {
  return JSON.parse(JSON.stringify(definition, (_key, value) => {
    if (typeof value === "function") return `function ${value.name}`;
    if (value instanceof Uint8Array) return btoa(String.fromCharCode(...value));
    if (value?.type === "Buffer" && Array.isArray(value.data)) return btoa(String.fromCharCode(...value.data));
    return value;
  }));
}

Deno.test("control-plane protos: the embedded JSON is what deno task embed writes", async () => {
  assert.equal(await Deno.readTextFile(new URL(PROTO_MODULE, ROOT)), protosModule(), `${PROTO_MODULE} is stale: run deno task embed`);
});

Deno.test("control-plane protos: the embedded JSON gives the definitions proto-loader reads from the files", () => {
  const embedded = comparable(protoLoader.fromJSON(CONTROL_PLANE_PROTOS, PROTO_OPTIONS));
  assert.deepEqual(embedded, comparable(fromFiles(PROTO_FILES)));
  // The comparison sees a difference: one file fewer is not the same definitions.
  assert.notDeepEqual(embedded, comparable(fromFiles(PROTO_FILES.slice(0, 1))));
});
