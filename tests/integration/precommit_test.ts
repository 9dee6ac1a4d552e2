/**
 * The pre-commit hooks with the real `pre-commit` (Debian): a hook repository
 * made of this checkout's hook files (.pre-commit-hooks.yaml, package.json,
 * dist/) is committed in a scratch folder, and a scratch project uses it by
 * path and rev, as a user's .pre-commit-config.yaml would by URL.
 */
import assert from "node:assert/strict";
import { exec, type Exec, ROOT } from "../support/helpers.ts";

async function git(cwd: string, ...args: string[]): Promise<Exec> {
  const r = await exec("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd });
  assert.equal(r.code, 0, r.stderr);
  return r;
}

/** A git repository holding the files pre-commit installs the hooks from; returns its path and rev. */
async function hookRepository(dir: string): Promise<string> {
  for (const file of [".pre-commit-hooks.yaml", "package.json", "package-lock.json"]) {
    await Deno.copyFile(new URL(file, ROOT), `${dir}/${file}`);
  }
  await Deno.mkdir(`${dir}/dist`);
  for await (const e of Deno.readDir(new URL("dist/", ROOT))) await Deno.copyFile(new URL(`dist/${e.name}`, ROOT), `${dir}/dist/${e.name}`);
  await git(dir, "init", "-q");
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "hooks");
  return (await git(dir, "rev-parse", "HEAD")).stdout.trim();
}

const VALID = "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n" +
  "  sources: [{id: src, image: busybox}]\n  sinks:\n    - id: dst\n      image: busybox\n      inputs: [src]\n";

Deno.test("pre-commit: the validate hook passes a valid pipeline and fails an invalid one at file:line:col; the drift hook catches stale outputs", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "flowctl-precommit-" });
  try {
    await Deno.mkdir(`${tmp}/hooks`);
    await Deno.mkdir(`${tmp}/project`);
    const rev = await hookRepository(`${tmp}/hooks`);
    const project = `${tmp}/project`;
    await git(project, "init", "-q");
    await Deno.writeTextFile(
      `${project}/.pre-commit-config.yaml`,
      `repos:
  - repo: ${tmp}/hooks
    rev: ${rev}
    hooks:
      - id: flowctl-validate
      - id: flowctl-drift
        args: [-f, pipelines/ledger.yaml, -o, nomad, --output-dir, deploy]
`,
    );
    await Deno.mkdir(`${project}/pipelines`);
    await Deno.writeTextFile(`${project}/pipelines/ledger.yaml`, VALID);
    await Deno.writeTextFile(`${project}/notes.yaml`, "not: [a pipeline\n"); // not matched by the hook's files
    const env = { PRE_COMMIT_HOME: `${tmp}/cache`, HOME: tmp };
    const preCommit = () => exec("pre-commit", ["run", "--all-files", "--color", "never"], { cwd: project, env });

    // The outputs do not exist yet: the drift hook fails, the validate hook passes.
    await git(project, "add", ".");
    let r = await preCommit();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^flowctl validate\.+Passed$/m);
    assert.match(r.stdout, /^flowctl drift check\.+Failed$/m);
    assert.match(r.stdout, /^\+\+\+ b\/p\.nomad\.hcl/m);

    // Generated with the same hook's flowctl: both pass.
    const bin = (await exec("bash", ["-c", `ls -d ${tmp}/cache/repo*/node_env-*/bin/flowctl`])).stdout.trim();
    const gen = await exec(bin, ["translate", "-f", "pipelines/ledger.yaml", "-o", "nomad", "--output-dir", "deploy"], { cwd: project });
    assert.equal(gen.code, 0, gen.stderr);
    await git(project, "add", ".");
    r = await preCommit();
    assert.equal(r.code, 0, r.stdout + r.stderr);

    // A broken pipeline: validate fails and names the line; the drift hook fails too (nothing can be generated).
    await Deno.writeTextFile(`${project}/pipelines/ledger.yaml`, VALID.replace("inputs: [src]", "inputs: [sorce]"));
    await git(project, "add", ".");
    r = await preCommit();
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^flowctl validate\.+Failed$/m);
    assert.match(r.stdout, /^pipelines\/ledger\.yaml:9:16 error E_UNKNOWN_INPUT: sink "dst" names "sorce"/m);

    // A config written for the older flags (-o DIR) fails with the way to write it now.
    const config = await Deno.readTextFile(`${project}/.pre-commit-config.yaml`);
    await Deno.writeTextFile(`${project}/.pre-commit-config.yaml`, config.replace("-o, nomad, --output-dir, deploy", "-t, nomad, -o, deploy"));
    await git(project, "add", ".");
    r = await preCommit();
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^flowctl: -o names a target now, and "deploy" is none .*; to write files, use --output-dir DIR \(or --to-file FILE\)$/m);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
