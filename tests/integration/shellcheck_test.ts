/**
 * Every run.sh flowctl generates — the goldens, and the local target's output
 * for every real pipeline of the corpus that it can run — passes
 * `shellcheck -S info`, `bash -n`, and the rule that nothing re-parses text as
 * code (tests/support/shell_check.ts). shellcheck comes from Debian
 * (scripts/test_tools.sh installs it).
 */
import assert from "node:assert/strict";
import { compile } from "../../translate/compile.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { cue, ROOT } from "../support/helpers.ts";
import { shellErrors } from "../support/shell_check.ts";

async function filesNamed(name: string, dir: URL, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...await filesNamed(name, new URL(`${e.name}/`, dir), `${prefix}${e.name}/`));
    else if (e.name === name) out.push(prefix + e.name);
  }
  return out.sort();
}

Deno.test("shellcheck: every golden run.sh is a clean bash script", async () => {
  const scripts = await filesNamed("run.sh", new URL("golden/", ROOT));
  assert.ok(scripts.length > 20, "the goldens are there");
  for (const path of scripts) {
    assert.deepEqual(await shellErrors(`golden/${path}`, await Deno.readTextFile(new URL(`golden/${path}`, ROOT))), []);
  }
});

Deno.test("shellcheck: the local target's run.sh for every runnable corpus pipeline is clean", async () => {
  let checked = 0;
  const walk = async (dir: URL, prefix = ""): Promise<string[]> => {
    const out: string[] = [];
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && e.name !== "related") out.push(...await walk(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`));
      else if (e.name.endsWith(".yaml")) out.push(prefix + e.name);
    }
    return out.sort();
  };
  for (const file of await walk(new URL("tests/corpus/", ROOT))) {
    const text = await Deno.readTextFile(new URL(`tests/corpus/${file}`, ROOT));
    const result = compile(text, { filename: file, cue: await cue(), target: "local", registry: defaultRegistry() });
    for (const f of result.files) {
      assert.deepEqual(await shellErrors(file, f.content), []);
      checked++;
    }
  }
  assert.ok(checked > 30, `only ${checked} scripts checked`);
});

Deno.test("shellcheck: the check fails on a script that re-parses a value as code", async () => {
  assert.notDeepEqual(await shellErrors("bad.sh", '#!/usr/bin/env bash\nx=$1\neval "echo $x"\n'), []);
});
