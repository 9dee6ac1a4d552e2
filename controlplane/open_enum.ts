/**
 * proto3 enums are open: a value the schema does not name is still a value
 * (a peer built from a newer .proto may send one), and the Go server keeps
 * and returns it. proto-loader (`enums: String`) decodes a named value as its
 * name and any other as its number. The control plane keeps a named value as
 * its name without the prefix (`HEALTHY`), any other as the number, stores
 * both, and sends the number back as it came. Each table of names lists them
 * in the order of their numbers, from 0.
 */
import { ControlPlaneError, type OpenEnum } from "./registry.ts";

export type { OpenEnum };

/** The range of a protobuf enum value (int32). */
export function isEnumNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;
}

/**
 * A decoded enum field as kept: `HEALTH_STATUS_DEGRADED` → `DEGRADED`, 42 →
 * 42 (a known value's number → its name). Anything else cannot come from the
 * decoder and is INVALID_ARGUMENT.
 */
export function enumFromWire<T extends string>(field: string, value: unknown, prefix: string, names: readonly T[]): OpenEnum<T> {
  if (typeof value === "string" && value.startsWith(`${prefix}_`)) {
    const name = names.find((n) => n === value.slice(prefix.length + 1));
    if (name !== undefined) return name;
  }
  if (isEnumNumber(value)) return names[value] ?? value;
  throw new ControlPlaneError("INVALID_ARGUMENT", `${field} has an unknown value ${JSON.stringify(value)}`);
}

/** A kept value as proto-loader encodes it: the full name, or the number as it came. */
export function enumToWire(prefix: string, value: OpenEnum<string>): string | number {
  return typeof value === "number" ? value : `${prefix}_${value}`;
}

/** A kept value for people (JSON, labels, the page): the name, or `UNKNOWN(42)`. */
export function enumText(value: OpenEnum<string>): string {
  return typeof value === "number" ? `UNKNOWN(${value})` : value;
}
