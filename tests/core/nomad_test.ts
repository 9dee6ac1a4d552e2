/**
 * Nomad output read back by a real HCL parser and compared with the IR it came
 * from: groups, tasks, drivers, counts, env values (exact, tricky strings
 * included), upstream wiring, services and checks. The API JSON form must
 * describe the same job as the HCL.
 */
import assert from "node:assert/strict";
import { compile } from "../../translate/compile.ts";
import { dnsLabel } from "../../compiler/format.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import { nanos } from "../../generators/shared/duration.ts";
import { cue, fixtureFiles, ROOT } from "../support/helpers.ts";
import { nomadErrors, parsedJob, startsTemplate } from "../support/nomad_check.ts";
import { checkNomadJob } from "../support/round_trip.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const registry = defaultRegistry();

/** HCL (as parsed) and API JSON, both reduced to the same plain shape. */
function fromHcl(job: Any): Any {
  return Object.entries<Any[]>(job.group).map(([name, [g]]) => ({
    name,
    count: g.count,
    ports: Object.entries<Any[]>(g.network?.[0]?.port ?? {}).map(([label, [p]]) => ({ label, to: p.to, static: p.static })),
    services: (g.service ?? []).map((s: Any) => ({
      name: s.name,
      port: s.port,
      provider: s.provider,
      checks: (s.check ?? []).map((c: Any) => ({ type: c.type, path: c.path, port: c.port, interval: nanos(c.interval), timeout: nanos(c.timeout) })),
    })),
    restart: { ...g.restart[0], interval: nanos(g.restart[0].interval), delay: nanos(g.restart[0].delay) },
    volumes: Object.entries<Any[]>(g.volume ?? {}).map(([label, [v]]) => ({ label, source: v.source, readOnly: v.read_only ?? false })),
    tasks: Object.entries<Any[]>(g.task).map(([tname, [t]]) => ({
      name: tname,
      driver: t.driver,
      config: { ...t.config[0] },
      env: t.env?.[0] ?? t.env ?? {},
      templates: (t.template ?? []).map((x: Any) => ({ data: x.data, env: x.env, destination: x.destination })),
      resources: t.resources?.[0] ?? {},
    })),
  }));
}

function fromApi(api: Any): Any {
  return api.Job.TaskGroups.map((g: Any) => ({
    name: g.Name,
    count: g.Count,
    ports: [...(g.Networks?.[0]?.ReservedPorts ?? []), ...(g.Networks?.[0]?.DynamicPorts ?? [])]
      .map((p: Any) => ({ label: p.Label, to: p.To, static: p.Value })),
    services: (g.Services ?? []).map((s: Any) => ({
      name: s.Name,
      port: s.PortLabel,
      provider: s.Provider,
      checks: (s.Checks ?? []).map((c: Any) => ({ type: c.Type, path: c.Path, port: c.PortLabel, interval: c.Interval, timeout: c.Timeout })),
    })),
    restart: { attempts: g.RestartPolicy.Attempts, interval: g.RestartPolicy.Interval, delay: g.RestartPolicy.Delay, mode: g.RestartPolicy.Mode },
    volumes: Object.values<Any>(g.Volumes ?? {}).map((v) => ({ label: v.Name, source: v.Source, readOnly: v.ReadOnly ?? false })),
    tasks: g.Tasks.map((t: Any) => ({
      name: t.Name,
      driver: t.Driver,
      config: t.Config,
      env: t.Env ?? {},
      templates: (t.Templates ?? []).map((x: Any) => ({ data: x.EmbeddedTmpl, env: x.Envvars, destination: x.DestPath })),
      resources: Object.fromEntries(Object.entries<Any>(t.Resources ?? {}).map(([k, v]) => [({ CPU: "cpu", MemoryMB: "memory", MemoryMaxMB: "memory_max" } as Any)[k], v])),
    })),
  }));
}

/** Orders groups by name, ports and volumes by label: hcl2json sorts labelled blocks, and JSON splits reserved and dynamic ports. */
function sortPorts(groups: Any[]): Any[] {
  const byName = (a: Any, b: Any) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const byLabel = (a: Any, b: Any) => (a.label < b.label ? -1 : 1);
  return groups.map((g) => ({ ...g, ports: [...g.ports].sort(byLabel), volumes: [...g.volumes].sort(byLabel) })).sort(byName);
}

for (const fixture of await fixtureFiles("fixtures")) {
  Deno.test(`nomad: ${fixture} parses, passes Nomad's tables, matches the IR, and its API JSON is the same job`, async () => {
    const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
    const result = compile(text, { filename: fixture, cue: await cue(), registry, target: "nomad", generatorOptions: { "nomad-json": true } });
    if (result.files.length === 0) {
      assert(result.diagnostics.some((d) => d.severity === "error"), "no files only with an error");
      return;
    }
    for (const ir of result.pipelines) {
      const prefix = result.pipelines.length > 1 ? `${ir.name}/` : "";
      const hcl = result.files.find((f) => f.path === `${prefix}${dnsLabel(ir.name)}.nomad.hcl`)!;
      const json = result.files.find((f) => f.path === `${prefix}${dnsLabel(ir.name)}.nomad.json`)!;
      assert.deepEqual(await nomadErrors(hcl.path, hcl.content), []);
      const { id, job } = await parsedJob(hcl.path, hcl.content);
      assert.equal(id, dnsLabel(ir.name));
      checkNomadJob(ir, job);
      const api = JSON.parse(json.content);
      assert.equal(api.Job.ID, id);
      assert.deepEqual(api.Job.Datacenters, job.datacenters);
      assert.deepEqual(sortPorts(fromApi(api)), sortPorts(fromHcl(job)));
    }
  });
}

Deno.test("nomad: the block table catches what it should (a checker that cannot fail proves nothing)", async () => {
  const good = 'job "j" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n      config {\n        image = "x"\n      }\n    }\n  }\n}\n';
  assert.deepEqual(await nomadErrors("good.hcl", good), []);
  assert.match((await nomadErrors("typo.hcl", good.replace("driver", "drivre"))).join(), /no attribute or block "drivre"/);
  assert.match((await nomadErrors("count.hcl", good.replace('group "g" {', 'group "g" {\n    count = "three"'))).join(), /expected \*int/);
  assert.match((await nomadErrors("syntax.hcl", good.replace('"x"', '"x'))).join(), /HCL/);
  assert.match((await nomadErrors("port.hcl", good.replace('image = "x"', 'image = "x"\n        ports = ["nope"]'))).join(), /no network port/);
});

Deno.test("nomad: the template check reads escapes as HCL does ($$${ is a $ and an escape)", () => {
  for (const literal of ["$${x}", "$$${x}", "%%{ y }", "a$", "b%", "$$$$${z}", "$$$${x}", "$ {x}"]) assert.equal(startsTemplate(literal), false, literal);
  for (const template of ["${x}", "%{ if }", "a$${x}${y}", "$$%{ if }"]) assert.equal(startsTemplate(template), true, template);
});

Deno.test("nomad: secrets come from the job's Nomad Variable, or with --secrets-from vault from Vault's KV v2, into secrets/ and never the jobspec", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/secrets.yaml", ROOT));
  for (const from of ["nomad", "vault"]) {
    const result = compile(text, { filename: "secrets.yaml", cue: await cue(), registry, target: "nomad", generatorOptions: { "secrets-from": from } });
    assert.equal(result.files.length, 1, result.diagnostics.map((d) => d.message).join("\n"));
    const hcl = result.files[0].content;
    assert.deepEqual(await nomadErrors("secrets.hcl", hcl), [], from);
    const { job } = await parsedJob("secrets.hcl", hcl);
    const [postgres] = job.group.postgres[0].task.postgres;
    const template = postgres.template.find((t: Any) => t.destination === "secrets/flowctl-secrets.env");
    assert.equal(template.env, true);
    assert.equal(
      template.data,
      from === "vault"
        ? 'DB_HOST={{ with secret "secret/data/ledger-db" }}{{ index .Data.data "host" | toJSON }}{{ end }}\n' +
          'DB_PASSWORD={{ with secret "secret/data/ledger-db" }}{{ index .Data.data "password" | toJSON }}{{ end }}\n'
        : 'DB_HOST={{ with nomadVar "nomad/jobs/ledger-secrets" }}{{ index . "LEDGER_DB_HOST" | toJSON }}{{ end }}\n' +
          'DB_PASSWORD={{ with nomadVar "nomad/jobs/ledger-secrets" }}{{ index . "LEDGER_DB_PASSWORD" | toJSON }}{{ end }}\n',
    );
    assert.equal(postgres.vault !== undefined, from === "vault");
    assert.equal(postgres.env[0].DB_PASSWORD, undefined, "not in the task's env block");
  }
});

Deno.test("nomad: options reach the job (datacenters, region, namespace, raw_exec, CPU factor, consul)", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/commands.yaml", ROOT));
  const result = compile(text, {
    filename: "commands.yaml",
    cue: await cue(),
    registry,
    target: "nomad",
    generatorOptions: { datacenters: "dc1, dc2", region: "eu", namespace: "pipelines", "command-driver": "raw_exec", "service-provider": "consul" },
  });
  assert.equal(result.files.length, 1, result.diagnostics.map((d) => d.message).join("\n"));
  const { job } = await parsedJob("x.hcl", result.files[0].content);
  assert.deepEqual(job.datacenters, ["dc1", "dc2"]);
  assert.equal(job.region, "eu");
  assert.equal(job.namespace, "pipelines");
  const tasks = Object.values<Any[]>(job.group).flatMap(([g]) => Object.values<Any[]>(g.task).map(([t]) => t));
  assert(tasks.some((t) => t.driver === "raw_exec"));
  assert(!result.files[0].content.includes("nomadService"), "consul uses the service function");
  assert(result.files[0].content.includes('{{ with service "'));
});

Deno.test("nomad: resources convert with the documented factor (250m → 250 MHz, 512Mi → 512 MB, limit → memory_max)", async () => {
  const text = await Deno.readTextFile(new URL("fixtures/resources_replicas.yaml", ROOT));
  for (const [factor, cpu] of [[1000, 250], [2400, 600]] as const) {
    const result = compile(text, { filename: "r.yaml", cue: await cue(), registry, target: "nomad", generatorOptions: { "cpu-mhz-per-core": factor } });
    const { job } = await parsedJob("r.hcl", result.files[0].content);
    const resources = job.group.src[0].task.src[0].resources[0];
    assert.deepEqual(resources, { cpu, memory: 256, memory_max: 954 });
  }
});
