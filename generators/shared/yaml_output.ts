/**
 * Deterministic YAML text for generated files. Strings that any YAML reader
 * (1.1, as docker-compose v1 and yamllint use, or 1.2) would take for a
 * number, boolean, null or timestamp are double-quoted, so `on`, `no`,
 * `0755`, `1e3` and `2001-12-14` stay strings.
 */
import { Document, isMap, isScalar, visit } from "yaml";

// Plain scalars that YAML 1.1 or 1.2 resolve to something other than a string.
const NON_STRING = new RegExp(
  "^(?:" + [
    "[-+]?(?:[0-9][0-9_]*)?\\.?[0-9_]*(?:[eE][-+]?[0-9]+)?", // ints, floats, 1e3, 1_000
    "[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)",
    "0x[0-9a-fA-F_]+|0o[0-7]+|0b[01_]+",
    "[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?", // sexagesimal (1.1)
    "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
    "~|null|Null|NULL|=|<<",
    // timestamps, which YAML 1.1 readers take for times
    "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \\t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?",
  ].join("|") + ")$",
);

/** Comment lines to write: at the top of the file, and above keys of a top-level mapping. */
export interface YamlComments {
  top?: string[];
  /** `[mapping key, key in it, lines]`, e.g. `["services", "src", ["reads the ledger"]]`. */
  above?: [string, string, string[]][];
}

export function toYaml(value: unknown, comments: YamlComments = {}): string {
  // No anchors: an object used twice (a Deployment's labels) is written out twice.
  const doc = new Document(value, { version: "1.2", aliasDuplicateObjects: false });
  const comment = (lines: string[]) => lines.map((l) => (l ? ` ${l}` : "")).join("\n");
  if (comments.top?.length) doc.commentBefore = comment(comments.top);
  for (const [mapping, key, lines] of comments.above ?? []) {
    const node = doc.get(mapping, true);
    const pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    if (!pair || !isScalar(pair.key)) throw new Error(`no key ${mapping}.${key} to comment`);
    pair.key.commentBefore = comment(lines);
  }
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === "string" && NON_STRING.test(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  // Keys go through the same check (an env var called ON must stay a string key).
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && typeof pair.key.value === "string" && NON_STRING.test(pair.key.value)) {
        pair.key.type = "QUOTE_DOUBLE";
      }
    },
  });
  return doc.toString({ lineWidth: 0, indentSeq: true, singleQuote: false });
}
