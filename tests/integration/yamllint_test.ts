/**
 * Every YAML file flowctl generates (the goldens) passes yamllint in strict
 * mode: no duplicate keys, no YAML 1.1 truthy values (`on`, `yes`), even
 * indentation. yamllint comes from Debian; `.ci/run` installs it.
 */
import assert from "node:assert/strict";
import { ROOT } from "../support/helpers.ts";

const CONFIG = "{extends: default, rules: {document-start: disable, line-length: {max: 200}}}";

async function yamlFiles(dir: URL, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...await yamlFiles(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`));
    else if (e.name.endsWith(".yaml")) out.push(`golden/${prefix}${e.name}`);
  }
  return out.sort();
}

Deno.test("yamllint: every generated YAML file is clean (strict)", async () => {
  const files = await yamlFiles(new URL("golden/", ROOT));
  assert(files.length > 100, "the goldens are there");
  const run = await new Deno.Command("yamllint", { args: ["--strict", "-f", "parsable", "-d", CONFIG, ...files], cwd: ROOT }).output();
  const report = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
  assert.equal(run.code, 0, report);
});

Deno.test("yamllint: catches a truthy value (a linter that cannot fail proves nothing)", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/bad.yaml`, "environment:\n  ON: yes\n");
  const run = await new Deno.Command("yamllint", { args: ["--strict", "-f", "parsable", "-d", CONFIG, `${dir}/bad.yaml`] }).output();
  await Deno.remove(dir, { recursive: true });
  assert.notEqual(run.code, 0);
  assert.match(new TextDecoder().decode(run.stdout), /truthy/);
});
