/**
 * proto3 requires every string field to hold UTF-8, but the protobuf decoder
 * under grpc-js takes any bytes in one. So a request's bytes are walked
 * against its message type before they are decoded: every string (map keys
 * and values too, at any depth) must be UTF-8, a known field must come with
 * the wire type of its type, and every length must stay inside the message.
 * The answer is the first problem, naming the field, or undefined; the server
 * turns a problem into INVALID_ARGUMENT.
 */

type Kind = "string" | "bytes" | "message" | "varint" | "fixed64" | "fixed32";

interface FieldShape {
  name: string;
  kind: Kind;
  /** A repeated number may also come packed, as one length-delimited field. */
  packable: boolean;
  message?: () => MessageShape;
}

export interface MessageShape {
  name: string;
  fields: Map<number, FieldShape>;
}

/** A message type as @grpc/proto-loader describes it (a DescriptorProto as a plain object). */
export interface Descriptor {
  name: string;
  field: { name: string; number: number; label: string; type: string; typeName: string }[];
  nestedType: Descriptor[];
}

const WIRE = { varint: 0, fixed64: 1, length: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;
const WIRE_OF: Record<Kind, number> = {
  string: WIRE.length,
  bytes: WIRE.length,
  message: WIRE.length,
  varint: WIRE.varint,
  fixed64: WIRE.fixed64,
  fixed32: WIRE.fixed32,
};
const KIND_OF = new Map<string, Kind>([
  ["TYPE_STRING", "string"],
  ["TYPE_BYTES", "bytes"],
  ["TYPE_MESSAGE", "message"],
  ["TYPE_DOUBLE", "fixed64"],
  ["TYPE_FIXED64", "fixed64"],
  ["TYPE_SFIXED64", "fixed64"],
  ["TYPE_FLOAT", "fixed32"],
  ["TYPE_FIXED32", "fixed32"],
  ["TYPE_SFIXED32", "fixed32"],
]);
/** Deeper than this, a request is refused rather than walked (protobuf decoders stop at 100). */
const MAX_DEPTH = 100;

/**
 * Shapes of every message type in `types` (full name → descriptor), nested
 * ones included; type names in fields are resolved the way protoc scopes them.
 */
export function messageShapes(types: ReadonlyMap<string, Descriptor>): Map<string, MessageShape> {
  const all = new Map<string, Descriptor>();
  const add = (fullName: string, d: Descriptor) => {
    all.set(fullName, d);
    for (const nested of d.nestedType) add(`${fullName}.${nested.name}`, nested);
  };
  for (const [name, d] of types) add(name, d);

  const shapes = new Map<string, MessageShape>();
  const shapeOf = (fullName: string): MessageShape => {
    const known = shapes.get(fullName);
    if (known) return known;
    const d = all.get(fullName);
    if (!d) throw new Error(`message type ${fullName} is not among the loaded ones`);
    const shape: MessageShape = { name: fullName, fields: new Map() };
    shapes.set(fullName, shape);
    for (const f of d.field) {
      const kind = KIND_OF.get(f.type) ?? "varint";
      const target = kind === "message" ? resolve(f.typeName, fullName, all) : "";
      shape.fields.set(f.number, {
        name: f.name,
        kind,
        packable: f.label === "LABEL_REPEATED" &&
          (kind === "varint" || kind === "fixed64" || kind === "fixed32"),
        message: kind === "message" ? () => shapeOf(target) : undefined,
      });
    }
    return shape;
  };
  for (const name of all.keys()) shapeOf(name);
  return shapes;
}

/** A type name as written in a field of `scope`: looked up in the scope, then in each enclosing one. */
function resolve(typeName: string, scope: string, all: ReadonlyMap<string, Descriptor>): string {
  if (typeName.startsWith(".")) return typeName.slice(1);
  for (let outer = scope; outer; outer = outer.includes(".") ? outer.slice(0, outer.lastIndexOf(".")) : "") {
    if (all.has(`${outer}.${typeName}`)) return `${outer}.${typeName}`;
  }
  if (all.has(typeName)) return typeName;
  throw new Error(`type ${typeName} (used in ${scope}) is not among the loaded ones`);
}

/** The first problem with `bytes` as a `shape` message, or undefined. */
export function wireProblem(bytes: Uint8Array, shape: MessageShape): string | undefined {
  try {
    walk(bytes, 0, bytes.length, shape, "", 0);
    return undefined;
  } catch (err) {
    if (err instanceof WireProblem) return err.message;
    throw err;
  }
}

class WireProblem extends Error {}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function walk(
  bytes: Uint8Array,
  start: number,
  end: number,
  shape: MessageShape,
  path: string,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw new WireProblem(`the request nests messages more than ${MAX_DEPTH} deep`);
  const where = (name: string) => (path ? `${path}.${name}` : name);
  let at = start;
  while (at < end) {
    const [tag, afterTag] = varint(bytes, at, end, path || "the request");
    at = afterTag;
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    if (number === 0) {
      throw new WireProblem(`${path || "the request"} has a field numbered 0: it is not a protobuf message`);
    }
    const field = shape.fields.get(number);
    const name = field ? where(field.name) : where(`#${number}`);
    if (field && wire !== WIRE_OF[field.kind] && !(field.packable && wire === WIRE.length)) {
      throw new WireProblem(`${name} does not have the wire type of a ${field.kind} field`);
    }
    switch (wire) {
      case WIRE.varint:
        at = varint(bytes, at, end, name)[1];
        break;
      case WIRE.fixed64:
        at = skip(at, 8, end, name);
        break;
      case WIRE.fixed32:
        at = skip(at, 4, end, name);
        break;
      case WIRE.length: {
        const [length, from] = varint(bytes, at, end, name);
        at = skip(from, length, end, name);
        if (field?.kind === "string" && !isUtf8(bytes.subarray(from, at))) {
          throw new WireProblem(`${name} is not valid UTF-8`);
        }
        if (field?.kind === "message") walk(bytes, from, at, field.message!(), name, depth + 1);
        if (field?.packable) {
          for (let p = from; p < at;) p = packedItemEnd(bytes, p, at, field.kind, name);
        }
        break;
      }
      case WIRE.startGroup:
        at = skipGroup(bytes, at, end, number, name, depth + 1);
        break;
      default:
        throw new WireProblem(`${name} has wire type ${wire}, which no protobuf message uses here`);
    }
  }
}

/** Reads a varint; returns its value (exact up to 2^53, enough for tags and lengths) and where it ends. */
function varint(bytes: Uint8Array, at: number, end: number, name: string): [number, number] {
  let value = 0;
  for (let shift = 1, i = 0; i < 10; i++, shift *= 128) {
    if (at >= end) throw new WireProblem(`${name} is cut short`);
    const b = bytes[at++];
    value += (b & 0x7f) * shift;
    if (b < 0x80) return [value, at];
  }
  throw new WireProblem(`${name} has a number longer than 10 bytes`);
}

function skip(at: number, length: number, end: number, name: string): number {
  if (length > end - at) throw new WireProblem(`${name} is longer than the message holding it`);
  return at + length;
}

function packedItemEnd(bytes: Uint8Array, at: number, end: number, kind: Kind, name: string): number {
  if (kind === "fixed64") return skip(at, 8, end, name);
  if (kind === "fixed32") return skip(at, 4, end, name);
  return varint(bytes, at, end, name)[1];
}

/** Skips an unknown (deprecated) group up to its matching end. */
function skipGroup(
  bytes: Uint8Array,
  at: number,
  end: number,
  number: number,
  name: string,
  depth: number,
): number {
  if (depth > MAX_DEPTH) throw new WireProblem(`the request nests groups more than ${MAX_DEPTH} deep`);
  while (at < end) {
    const [tag, afterTag] = varint(bytes, at, end, name);
    at = afterTag;
    const wire = tag % 8;
    if (wire === WIRE.endGroup) {
      if (Math.floor(tag / 8) !== number) throw new WireProblem(`${name} ends a group it did not start`);
      return at;
    }
    if (wire === WIRE.varint) at = varint(bytes, at, end, name)[1];
    else if (wire === WIRE.fixed64) at = skip(at, 8, end, name);
    else if (wire === WIRE.fixed32) at = skip(at, 4, end, name);
    else if (wire === WIRE.length) {
      const [length, from] = varint(bytes, at, end, name);
      at = skip(from, length, end, name);
    } else if (wire === WIRE.startGroup) at = skipGroup(bytes, at, end, Math.floor(tag / 8), name, depth + 1);
    else throw new WireProblem(`${name} has wire type ${wire}, which no protobuf message uses here`);
  }
  throw new WireProblem(`${name} starts a group that never ends`);
}

function isUtf8(bytes: Uint8Array): boolean {
  if (bytes.every((b) => b < 0x80)) return true;
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
