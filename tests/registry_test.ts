/** A library user's own generator: registered by name, given its options with defaults, told about bad ones. */
import assert from "node:assert/strict";
import { compile, defaultRegistry, type Generator } from "../mod.ts";
import { cue, ROOT } from "./helpers.ts";

const seen: unknown[] = [];
const inventory: Generator = {
  name: "inventory",
  description: "component ids and images",
  options: [{ name: "separator", type: "string", description: "between columns", default: "\t" }],
  generate(ir, options) {
    seen.push(options);
    const content = ir.components.map((c) => `${c.id}${options.separator}${c.image}\n`).join("");
    return { files: [{ path: "inventory.tsv", content }], diagnostics: [] };
  },
};

Deno.test("registry: a registered generator runs with its defaults, its own options, and ignores other targets' options", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/linear.yaml", ROOT));
  const registry = defaultRegistry().register(inventory);
  assert(registry.names().includes("inventory"));
  const plain = compile(text, { filename: "p.yaml", cue: await cue(), registry, target: "inventory" });
  assert.match(plain.files[0].content, /^\S+\t\S+\n/);
  const custom = compile(text, {
    filename: "p.yaml",
    cue: await cue(),
    registry,
    target: "inventory",
    generatorOptions: { separator: " | ", "nomad-json": true },
  });
  assert.match(custom.files[0].content, / \| /);
  assert.deepEqual(seen.at(-1), { separator: " | " });
});

Deno.test("registry: an unknown or mistyped option is E_TARGET_OPTION, and nothing is generated", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/linear.yaml", ROOT));
  const registry = defaultRegistry().register(inventory);
  for (const generatorOptions of [{ sepurator: "," }, { separator: 3 }]) {
    const r = compile(text, { filename: "p.yaml", cue: await cue(), registry, target: "inventory", generatorOptions });
    assert.deepEqual(r.diagnostics.map((d) => d.code), ["E_TARGET_OPTION"]);
    assert.equal(r.files.length, 0);
  }
});
