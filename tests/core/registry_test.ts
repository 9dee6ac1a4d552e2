/** A library user's own generator: registered by name, given its options with defaults, told about bad ones. */
import assert from "node:assert/strict";
import { compile, declareFidelity, defaultRegistry, dropped, type Generator, translate, used } from "../../mod.ts";
import { cue, ROOT } from "../support/helpers.ts";

const seen: unknown[] = [];
const inventory: Generator = {
  name: "inventory",
  description: "component ids and images",
  options: [{ name: "separator", type: "string", description: "between columns", default: "\t" }],
  fidelity: declareFidelity(
    { component: { image: used("the second column") } },
    dropped("an inventory lists ids and images only", "use another target to run the pipeline"),
  ),
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

Deno.test("registry: an own generator's fidelity declaration makes the translator warn where a dropped setting was written", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/resources_replicas.yaml", ROOT));
  const registry = defaultRegistry().register(inventory);
  const result = translate({ pipelines: [{ name: "r.yaml", text }], targets: ["inventory"], cue: await cue(), registry });
  const dropped = result.files[0].targets[0].diagnostics.filter((d) => d.code === "W_TARGET_DROPPED");
  assert(dropped.some((d) => /^inventory leaves out replicas of "workers": an inventory lists ids and images only$/.test(d.message)));
  assert(dropped.every((d) => !/ leaves out image /.test(d.message)), "image is declared used");
  assert(dropped.every((d) => !/ leaves out id /.test(d.message)), "an id is no setting: nothing to leave out");
  assert(dropped.every((d) => d.line > 1 && d.path !== ""), "each at the line the setting was written");
});
