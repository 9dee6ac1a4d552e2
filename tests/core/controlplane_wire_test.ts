/**
 * What reaches the control plane over the wire, without sockets: requests
 * are checked against their message type before decoding (strings must be
 * UTF-8, fields well-formed).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { loadServices, UndecodableRequest } from "../../controlplane/grpc_service.ts";
import { type Descriptor, messageShapes, wireProblem } from "../../controlplane/wire_check.ts";

const services = loadServices();
const decode = (service: "v1" | "legacy", method: string, bytes: number[]) =>
  services[service][method].requestDeserialize(Buffer.from(bytes));
const problem = (service: "v1" | "legacy", method: string, bytes: number[]) => {
  const decoded = decode(service, method, bytes);
  return decoded instanceof UndecodableRequest ? decoded.problem : undefined;
};

const tag = (field: number, wire: number) => varint(field * 8 + wire);
/** A length-delimited field. */
const len = (field: number, payload: number[]) => [...tag(field, 2), ...varint(payload.length), ...payload];
const text = (s: string) => [...new TextEncoder().encode(s)];

Deno.test("wire check: a well-formed request decodes as before", () => {
  const entry = [...len(1, text("network")), ...len(2, text("testnet ✓ 𝄞"))];
  const component = [...len(1, text("src")), 0x28, 1, ...len(9, entry)];
  const request = decode("v1", "RegisterComponent", [...len(1, component), ...len(2, text("given"))]);
  assert(!(request instanceof UndecodableRequest));
  assert.equal(request.component_id, "given");
  assert.equal(request.component.type, "COMPONENT_TYPE_SOURCE");
  assert.deepEqual(request.component.metadata, { network: "testnet ✓ 𝄞" });
});

Deno.test("wire check: a string that is not UTF-8 is refused, naming the field, at any depth and in map keys and values", () => {
  const bad = [0xff, 0xfe];
  assert.equal(problem("v1", "RegisterComponent", len(2, bad)), "component_id is not valid UTF-8");
  assert.equal(problem("v1", "RegisterComponent", len(1, len(1, bad))), "component.id is not valid UTF-8");
  assert.equal(
    problem("v1", "RegisterComponent", len(1, len(6, bad))),
    "component.input_event_types is not valid UTF-8",
  );
  assert.equal(
    problem("v1", "RegisterComponent", len(1, len(9, len(1, bad)))),
    "component.metadata.key is not valid UTF-8",
  );
  assert.equal(
    problem("v1", "Heartbeat", len(3, [...len(1, text("k")), ...len(2, bad)])),
    "metrics.value is not valid UTF-8",
  );
  assert.equal(problem("legacy", "Heartbeat", len(1, bad)), "service_id is not valid UTF-8");
  assert.equal(
    problem("legacy", "UpdatePipelineRun", len(3, len(4, len(1, bad)))),
    "metrics.component_metrics.key is not valid UTF-8",
  );
  // Overlong forms, encoded surrogates and cut-off sequences are not UTF-8 either.
  for (const bytes of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]]) {
    assert.equal(
      problem("v1", "UnregisterComponent", len(1, bytes)),
      "service_id is not valid UTF-8",
      bytes.join(" "),
    );
  }
});

Deno.test("wire check: bytes that are not a message are refused instead of failing the decoder", () => {
  assert.match(problem("v1", "RegisterComponent", [0xff, 0xff, 0xff, 0xff, 0x0f, 0x12])!, /wire type 7/);
  assert.match(
    problem("v1", "RegisterComponent", [0x0a, 0x05, 0x0a])!,
    /component is longer than the message holding it/,
  );
  assert.match(problem("v1", "RegisterComponent", [0x0a])!, /component is cut short/);
  assert.match(problem("v1", "RegisterComponent", [0x00, 0x00])!, /field numbered 0/);
  assert.match(
    problem("v1", "RegisterComponent", [0x10, 0x01])!,
    /component_id does not have the wire type of a string field/,
  );
  assert.match(
    problem("v1", "Heartbeat", [0x12, 0x01, 0x02])!,
    /status does not have the wire type of a varint field/,
  );
  assert.match(problem("v1", "Heartbeat", [0x10, ...Array(11).fill(0x80)])!, /longer than 10 bytes/);
  assert.match(problem("v1", "Heartbeat", tag(20, 3))!, /#20 starts a group that never ends/);
  assert.match(
    problem("v1", "Heartbeat", [...tag(20, 3), ...tag(21, 4)])!,
    /#20 ends a group it did not start/,
  );
  assert.match(problem("v1", "Heartbeat", tag(20, 4))!, /#20 has wire type 4/);
});

Deno.test("wire check: unknown fields of every wire type are skipped, as proto3 requires", () => {
  // deno-fmt-ignore
  const unknown = [
    ...tag(20, 0), 0x96, 0x01, // varint
    ...tag(21, 1), 1, 2, 3, 4, 5, 6, 7, 8, // 64-bit
    ...len(22, [0xff]), // bytes, whatever they hold
    ...tag(23, 5), 1, 2, 3, 4, // 32-bit
    ...tag(24, 3), ...tag(25, 0), 1, ...tag(26, 3), ...tag(26, 4), ...tag(24, 4), // groups, one inside the other
  ];
  const request = decode("v1", "UnregisterComponent", [...unknown, ...len(1, text("x"))]);
  assert(!(request instanceof UndecodableRequest), String(request?.problem));
  assert.equal(request.service_id, "x");
});

Deno.test("wire check: repeated numbers may come packed or one by one", () => {
  const descriptor = (name: string, field: Descriptor["field"]): Descriptor => ({
    name,
    field,
    nestedType: [],
  });
  const shapes = messageShapes(
    new Map([
      [
        "t.Numbers",
        descriptor("Numbers", [
          { name: "ints", number: 1, label: "LABEL_REPEATED", type: "TYPE_INT64", typeName: "" },
          { name: "doubles", number: 2, label: "LABEL_REPEATED", type: "TYPE_DOUBLE", typeName: "" },
          { name: "inner", number: 3, label: "LABEL_OPTIONAL", type: "TYPE_MESSAGE", typeName: "Numbers" },
        ]),
      ],
    ]),
  );
  const numbers = shapes.get("t.Numbers")!;
  const bytes = (xs: number[]) => new Uint8Array(xs);
  assert.equal(wireProblem(bytes([0x08, 1, 0x08, 2, ...len(1, [1, 0x96, 0x01])]), numbers), undefined);
  assert.equal(
    wireProblem(bytes([0x11, 0, 0, 0, 0, 0, 0, 0, 0, ...len(2, Array(16).fill(0))]), numbers),
    undefined,
  );
  assert.match(
    wireProblem(bytes(len(2, Array(7).fill(0))), numbers)!,
    /doubles is longer than the message holding it/,
  );
  assert.match(wireProblem(bytes(len(3, len(3, [0x08]))), numbers)!, /inner\.inner\.ints is cut short/);
  let deep = [0x08, 1];
  for (let i = 0; i < 150; i++) deep = [0x1a, ...varint(deep.length), ...deep];
  assert.match(wireProblem(bytes(deep), numbers)!, /nests messages more than 100 deep/);
});

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  return [...out, n];
}
