/**
 * Target options: settings a generator takes besides the pipeline (the CLI
 * offers each as `--<name>`, the Action and the web service by name). Each
 * declares its kind, and its range where a number has one, so that a value a
 * target cannot use (`--max-restarts 2.5`, `--volume-size -1Gi`) is refused
 * where it is given, as a usage error, never written into an output.
 */
import { parseDuration } from "./shared/duration.ts";

export type OptionValue = string | number | boolean;

/** Target-specific settings, keyed by option name, passed through from the CLI or library caller. */
export type GeneratorOptions = Record<string, OptionValue | undefined>;

/** What an option's value is; the first three are plain JSON types, the rest checked formats of them. */
export type OptionKind =
  | "string"
  | "number"
  | "boolean"
  /** A whole number, within `minimum`/`maximum`. */
  | "integer"
  /** A TCP/UDP port, 1–65535. */
  | "port"
  /** A Kubernetes quantity that is not negative (`1Gi`, `500Mi`). */
  | "quantity"
  /** A DNS-1123 label (a Kubernetes namespace name). */
  | "dns-label"
  /** A DNS-1123 subdomain (`cluster.local`, a storage class name). */
  | "dns-subdomain"
  /** A Go duration (`30s`, `1m30s`). */
  | "duration";

/** A setting a generator accepts; the CLI offers each one as `--<name>`. */
export interface GeneratorOption {
  /** Lower-case words joined by '-', e.g. `create-namespace`. */
  name: string;
  type: OptionKind;
  description: string;
  /** Used when the caller gives no value. */
  default?: OptionValue;
  /** The allowed values of a string option. */
  choices?: readonly string[];
  /** Bounds of a number or integer option, both included. */
  minimum?: number;
  maximum?: number;
}

const NUMBERS: readonly OptionKind[] = ["number", "integer", "port"];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[mkMGTPE])?$/;

/** The JSON type an option's value has. */
function jsonType(option: GeneratorOption): "number" | "boolean" | "string" {
  return NUMBERS.includes(option.type) ? "number" : option.type === "boolean" ? "boolean" : "string";
}

/** What an option takes, in words: `an integer from 0 to 1000`. */
export function describeOption(option: GeneratorOption): string {
  const range = (what: string) =>
    option.minimum !== undefined && option.maximum !== undefined
      ? `${what} from ${option.minimum} to ${option.maximum}`
      : option.minimum !== undefined
      ? `${what} of at least ${option.minimum}`
      : option.maximum !== undefined
      ? `${what} of at most ${option.maximum}`
      : what;
  if (option.choices) return `one of ${option.choices.join(", ")}`;
  switch (option.type) {
    case "integer":
      return range("an integer");
    case "number":
      return range("a number");
    case "port":
      return "a port number from 1 to 65535";
    case "quantity":
      return "a Kubernetes quantity such as 1Gi or 500Mi";
    case "dns-label":
      return "a DNS label: lower-case letters, digits and '-', at most 63";
    case "dns-subdomain":
      return "a DNS name: DNS labels joined by dots, at most 253";
    case "duration":
      return "a duration such as 30s or 1m";
    case "boolean":
      return "true or false";
    default:
      return "a string";
  }
}

/** Whether a value of the right JSON type is one the option takes. */
function takes(option: GeneratorOption, value: OptionValue): boolean {
  const type: string = typeof value;
  if (type !== jsonType(option)) return false;
  if (option.choices) return option.choices.includes(value as string);
  const n = value as number, s = value as string;
  switch (option.type) {
    case "number":
    case "integer":
      return Number.isFinite(n) && (option.type === "number" || Number.isInteger(n)) &&
        (option.minimum === undefined || n >= option.minimum) && (option.maximum === undefined || n <= option.maximum);
    case "port":
      return Number.isInteger(n) && n >= 1 && n <= 65535;
    case "quantity":
      return QUANTITY.test(s);
    case "dns-label":
      return s.length <= 63 && DNS_LABEL.test(s);
    case "dns-subdomain":
      return s.length <= 253 && s.split(".").every((label) => label.length <= 63 && DNS_LABEL.test(label));
    case "duration":
      return parseDuration(s) !== undefined;
    default:
      return true;
  }
}

/**
 * The generator's options with defaults filled in; problems (an unknown name,
 * a value of the wrong kind or out of range) are returned as messages, each
 * starting with `option "<name>"` where it concerns one.
 */
export function resolveOptions(
  generator: { name: string; options?: readonly GeneratorOption[] },
  given: GeneratorOptions,
): { values: Record<string, OptionValue>; problems: string[] } {
  const values: Record<string, OptionValue> = {};
  const problems: string[] = [];
  const known = new Map((generator.options ?? []).map((o) => [o.name, o]));
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const option = known.get(name);
    if (!option) problems.push(`target ${generator.name} has no option "${name}"`);
    else if (!takes(option, value)) {
      problems.push(`option "${name}" of target ${generator.name} takes ${describeOption(option)}, not ${JSON.stringify(value)}`);
    } else values[name] = value;
  }
  for (const o of known.values()) {
    if (values[o.name] === undefined && o.default !== undefined) values[o.name] = o.default;
  }
  return { values, problems };
}

/** An option's value from text (a command-line flag, an Action input), as its JSON type; undefined if it is not one. */
export function parseOptionText(option: GeneratorOption, text: string): OptionValue | undefined {
  switch (jsonType(option)) {
    case "number": {
      const n = Number(text);
      return text.trim() === "" || Number.isNaN(n) ? undefined : n;
    }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : undefined;
    default:
      return text;
  }
}
