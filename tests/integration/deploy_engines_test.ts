/**
 * `flowctl apply`, `delete` and `status` as a user runs them, against
 * stand-ins for kubectl, nomad and docker (tests/support/fake_engines.ts):
 * there is no cluster or Nomad agent here, so what is checked is the exact
 * commands each engine receives, in order, what is written, and what the
 * user is told when an engine is missing, too old or fails. (The
 * docker-compose target runs for real in apply_compose_test.ts.) The local
 * target needs no engine: it is applied, asked and deleted for real here.
 */
import assert from "node:assert/strict";
import { fakeEngines, type Reply } from "../support/fake_engines.ts";
import { exec, processesWithEnv, ROOT, until } from "../support/helpers.ts";

const FLOWCTL = new URL("scripts/flowctl", ROOT).pathname;
const SELECTOR = "app.kubernetes.io/managed-by=flowctl,app.kubernetes.io/part-of=ledger-fanout";

/** Runs flowctl in a temp folder with the stand-ins first on PATH; gives the argv of every call they received. */
async function withEngines(
  replies: Record<string, Reply[]>,
  fn: (run: (args: string[]) => ReturnType<typeof exec>, dir: string) => Promise<void>,
): Promise<string[][]> {
  const engines = await fakeEngines(replies);
  const dir = await Deno.makeTempDir({ prefix: "flowctl-deploy-" });
  await Deno.copyFile(new URL("fixtures/fan_out.yaml", ROOT), `${dir}/fan_out.yaml`);
  await Deno.copyFile(new URL("fixtures/commands.yaml", ROOT), `${dir}/commands.yaml`);
  try {
    await fn((args) => exec(FLOWCTL, args, { cwd: dir, env: { PATH: `${engines.bin}:${Deno.env.get("PATH")}` } }), dir);
    return (await engines.calls()).map((c) => c.argv);
  } finally {
    await engines.remove();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("apply -o kubernetes: kubectl version, apply with pruning, wait; the files are in the state folder, stale ones removed", async () => {
  const calls = await withEngines({ kubectl: [] }, async (flowctl, dir) => {
    const state = `${dir}/.flowctl/kubernetes/ledger-fanout`;
    // A former apply wrote a file this one no longer has: it goes, so kubectl apply cannot bring it back.
    await Deno.mkdir(state, { recursive: true });
    await Deno.writeTextFile(`${state}/04-deployment-gone.yaml`, "kind: Deployment\n");
    await Deno.writeTextFile(`${state}/.flowctl-written`, "04-deployment-gone.yaml\n");
    await Deno.writeTextFile(`${state}/notes.txt`, "mine\n");
    const r = await flowctl(["apply", "-f", "fan_out.yaml", "-o", "k8s", "--namespace", "data", "--timeout", "2m"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /flowctl apply: ledger-fanout runs \(kubernetes; files in \.flowctl\/kubernetes\/ledger-fanout\)\n {2}see it with: flowctl status -f fan_out\.yaml -o kubernetes\n$/);
    const files = [...Deno.readDirSync(state)].map((e) => e.name).sort();
    assert.deepEqual(files.filter((f) => f.endsWith(".yaml")).length, 10);
    assert(!files.includes("04-deployment-gone.yaml"));
    assert(files.includes("notes.txt"), "a file apply did not write is left alone");
    assert.match(await Deno.readTextFile(`${state}/04-deployment-postgres.yaml`), /namespace: data/);
  });
  assert.deepEqual(calls, [
    ["kubectl", "version", "--output", "json"],
    [
      "kubectl", "apply", "--filename", ".flowctl/kubernetes/ledger-fanout", "--prune", "--selector", SELECTOR,
      "--prune-allowlist=core/v1/Service", "--prune-allowlist=core/v1/ConfigMap", "--prune-allowlist=apps/v1/Deployment", "--prune-allowlist=core/v1/PersistentVolumeClaim",
      "--prune-allowlist=networking.k8s.io/v1/NetworkPolicy",
    ],
    ["kubectl", "wait", "--namespace", "data", "--for=condition=Available", "deployment", "--selector", SELECTOR, "--timeout=120s"],
  ]);
});

Deno.test("apply: a failed step is reported with its command, the engine's words, what was done, and how to undo it; exit 1", async () => {
  const calls = await withEngines({ kubectl: [{ args: ["wait"], code: 1, stderr: "error: timed out waiting for the condition on deployments/postgres\n" }] }, async (flowctl) => {
    const r = await flowctl(["apply", "-f", "fan_out.yaml", "-o", "kubernetes", "--prefix", "dev"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        "flowctl apply: step 2 of 2 failed: wait until every Deployment is available\n" +
          "  command: kubectl wait --namespace default --for=condition=Available deployment --selector app.kubernetes.io/managed-by=flowctl,app.kubernetes.io/part-of=dev-ledger-fanout --timeout=300s\n" +
          "  exit status: 1\n" +
          "  kubectl said:\n    error: timed out waiting for the condition on deployments/postgres\n" +
          "  done before it:\n    apply the objects, and prune the pipeline's objects it no longer has\n" +
          "  to remove what was started: flowctl delete -f fan_out.yaml -o kubernetes --prefix dev\n$",
      ),
    );
  });
  assert.equal(calls.length, 3);
});

Deno.test("delete -o kubernetes --volumes: deletes by the pipeline's labels, claims too, and removes the files apply wrote", async () => {
  const calls = await withEngines({ kubectl: [] }, async (flowctl, dir) => {
    assert.equal((await flowctl(["apply", "-f", "fan_out.yaml", "-o", "kubernetes"])).code, 0);
    const r = await flowctl(["delete", "-f", "fan_out.yaml", "-o", "kubernetes", "--volumes"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...Deno.readDirSync(`${dir}/.flowctl/kubernetes/ledger-fanout`)], []);
  });
  assert.deepEqual(calls.at(-1), [
    "kubectl", "delete", "--namespace", "default", "deployment,service,configmap,networkpolicy,persistentvolumeclaim", "--selector", SELECTOR, "--ignore-not-found", "--wait",
  ]);
});

Deno.test("status -o kubernetes: kubectl get, then the control plane's services through the API server", async () => {
  const services = JSON.stringify({
    pipeline_health: "degraded",
    services: [
      { service_id: "ledger-source", type: "COMPONENT_TYPE_SOURCE", status: "HEALTHY", last_heartbeat: "2026-11-29T10:00:00.000Z" },
      { service_id: "postgres\u001b[31m", type: "COMPONENT_TYPE_CONSUMER", status: "UNHEALTHY", last_heartbeat: "2026-11-29T09:00:00.000Z" },
    ],
  });
  const calls = await withEngines({
    kubectl: [{ args: ["get", "--raw"], stdout: services }, { args: ["get"], stdout: "NAME                READY   UP-TO-DATE\ndeployment/postgres 1/1     1\n" }],
  }, async (flowctl) => {
    const r = await flowctl(["status", "-f", "fan_out.yaml", "-o", "kubernetes"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "NAME                READY   UP-TO-DATE\ndeployment/postgres 1/1     1\n\n" +
        "Control plane (kubectl get --raw /api/v1/namespaces/default/services/flowctl-control-plane:8081/proxy/api/services): pipeline degraded, 2 registered services\n" +
        "  SERVICE             TYPE      STATUS     LAST HEARTBEAT\n" +
        "  ledger-source       source    HEALTHY    2026-11-29T10:00:00.000Z\n" +
        "  postgres\\u001b[31m  consumer  UNHEALTHY  2026-11-29T09:00:00.000Z\n",
    );
    const json = JSON.parse((await flowctl(["status", "-f", "fan_out.yaml", "-o", "kubernetes", "--format", "json"])).stdout);
    assert.equal(json.controlPlane.pipeline_health, "degraded");
    assert.deepEqual(json.engine[0].command.slice(0, 2), ["kubectl", "get"]);
  });
  assert.deepEqual(calls.slice(0, 2), [
    ["kubectl", "get", "--namespace", "default", "deployment,pod,service", "--selector", SELECTOR, "--output", "wide"],
    ["kubectl", "get", "--raw", "/api/v1/namespaces/default/services/flowctl-control-plane:8081/proxy/api/services"],
  ]);
});

Deno.test("apply, status, delete -o nomad: job run, job status and job stop -purge in the job's region and namespace", async () => {
  const calls = await withEngines({ nomad: [{ args: ["job", "status"], stdout: "ID            = commands\nStatus        = running\n" }] }, async (flowctl) => {
    for (const command of ["apply", "status", "delete"]) {
      const r = await flowctl([command, "-f", "commands.yaml", "-o", "nomad", "--region", "eu", "--namespace", "pipelines"]);
      assert.equal(r.code, 0, `${command}: ${r.stderr}`);
      if (command === "status") {
        assert.match(r.stdout, /^ID {12}= commands\n/);
        assert.match(r.stdout, /Control plane: not asked or no answer: Nomad gives its address through service discovery/);
      }
    }
  });
  assert.deepEqual(calls, [
    ["nomad", "status"],
    ["nomad", "job", "run", ".flowctl/nomad/commands/commands.nomad.hcl"],
    ["nomad", "job", "status", "-region=eu", "-namespace=pipelines", "commands"],
    ["nomad", "job", "stop", "-region=eu", "-namespace=pipelines", "-purge", "commands"],
  ]);
});

Deno.test("apply with overlays: the layered pipeline is what the engine gets; the next command's hint repeats every -f and --set", async () => {
  const calls = await withEngines({ nomad: [] }, async (flowctl, dir) => {
    await Deno.writeTextFile(`${dir}/prod.yaml`, "metadata:\n  name: commands-prod\n");
    const r = await flowctl(["apply", "-f", "commands.yaml", "-f", "prod.yaml", "--set", "metadata.labels.tier=gold", "-o", "nomad"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /see it with: flowctl status -f commands\.yaml -f prod\.yaml --set metadata\.labels\.tier=gold -o nomad\n$/);
    assert.match(await Deno.readTextFile(`${dir}/.flowctl/nomad/commands-prod/commands-prod.nomad.hcl`), /^job "commands-prod" \{$/m);
  });
  assert.deepEqual(calls[1], ["nomad", "job", "run", ".flowctl/nomad/commands-prod/commands-prod.nomad.hcl"]);
});

Deno.test("apply: an engine that is missing, unreachable or too old stops it before anything is written", async () => {
  const cases: [Record<string, Reply[]>, string[], RegExp][] = [
    [
      { nomad: [{ args: ["status"], code: 1, stderr: "Error querying jobs: Get \"http://127.0.0.1:4646/v1/jobs\": dial tcp 127.0.0.1:4646: connect: connection refused\n" }] },
      ["-f", "commands.yaml", "-o", "nomad"],
      /\nflowctl apply: nomad status failed: Error querying jobs: .*connection refused\n {2}hint: install nomad and set NOMAD_ADDR/,
    ],
    [
      { docker: [{ args: ["compose"], code: 1, stderr: "docker: 'compose' is not a docker command.\nSee 'docker --help'\n" }] },
      ["-f", "fan_out.yaml"],
      /^flowctl apply: docker has no Compose v2 \(`docker compose`\): docker: 'compose' is not a docker command\.\n.*\n {2}hint: install Docker Engine with the Compose v2 plugin.*docker-compose 1\.x \(Compose v1\) cannot/,
    ],
    [
      { docker: [{ args: ["compose"], stdout: "2.12.2\n" }] },
      ["-f", "fan_out.yaml", "-o", "compose"],
      /^flowctl apply: Docker Compose 2\.12\.2 is older than 2\.17, which flowctl apply needs \(up --wait-timeout\)\n {2}hint: upgrade/,
    ],
  ];
  for (const [replies, args, message] of cases) {
    await withEngines(replies, async (flowctl, dir) => {
      const r = await flowctl(["apply", ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.throws(() => Deno.statSync(`${dir}/.flowctl`), Deno.errors.NotFound, "nothing written");
    });
  }
  // No kubectl at all (a PATH without one).
  const cli = ["run", "--allow-all", "--quiet", "--config", new URL("deno.json", ROOT).pathname, new URL("cli.ts", ROOT).pathname];
  const r = await exec(Deno.execPath(), [...cli, "apply", "-f", "fixtures/fan_out.yaml", "-o", "kubernetes", "--state-dir", "/nonexistent/never"], {
    env: { PATH: "/nonexistent" },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^flowctl apply: cannot run kubectl \(.*\)\n {2}hint: install kubectl/);
});

Deno.test("--dry-run prints the commands and runs, checks and writes nothing; usage errors exit 2", async () => {
  const calls = await withEngines({ kubectl: [], docker: [] }, async (flowctl, dir) => {
    const r = await flowctl(["apply", "-f", "fan_out.yaml", "-o", "kubernetes", "--dry-run"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# flowctl apply --dry-run: kubernetes, files in \.flowctl\/kubernetes\/ledger-fanout \(not written\)\n# check that kubectl reaches a cluster\nkubectl version --output json\n/);
    assert.match(r.stdout, /\nkubectl wait --namespace default --for=condition=Available deployment --selector app\.kubernetes\.io\/managed-by=flowctl,app\.kubernetes\.io\/part-of=ledger-fanout --timeout=300s\n$/);
    const d = await flowctl(["delete", "-f", "fan_out.yaml", "--dry-run", "--volumes"]);
    assert.match(d.stdout, /\ndocker compose --project-name ledger-fanout --project-directory \. --file \.flowctl\/docker-compose\/ledger-fanout\/docker-compose\.yaml down --remove-orphans --volumes\n$/);
    assert.throws(() => Deno.statSync(`${dir}/.flowctl`), Deno.errors.NotFound);
    for (
      const [args, message] of [
        [["apply"], /apply needs -f FILE/],
        [["apply", "-f", "fan_out.yaml", "-o", "all"], /one target at a time/],
        [["delete", "-f", "fan_out.yaml", "--timeout", "5"], /delete has no --timeout/],
        [["status", "-f", "fan_out.yaml", "--dry-run"], /status has no --dry-run/],
        [["apply", "-f", "fan_out.yaml", "--timeout", "soon"], /--timeout needs a time/],
        [["apply", "-f", "-", "-o", "local"], /-o local runs the pipeline file again/],
      ] as [string[], RegExp][]
    ) {
      const u = await flowctl(args);
      assert.equal(u.code, 2, `${args.join(" ")}: ${u.stderr}`);
      assert.match(u.stderr, message);
    }
  });
  assert.deepEqual(calls, []);
});

Deno.test("apply, status, delete -o local: flowctl run in the background, asked over HTTP, stopped in order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flowctl-deploy-local-" });
  const marker = `FLOWCTL_DEPLOY_TEST=${dir}`;
  const listeners = [0, 1].map(() => Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const [grpc, http] = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  listeners.forEach((l) => l.close());
  await Deno.writeTextFile(
    `${dir}/pipeline.yaml`,
    `apiVersion: flowctl/v1
kind: Pipeline
metadata: {name: sleepy}
spec:
  driver: local
  controlPlane: {port: ${grpc}}
  sources:
    - id: idle
      command: [bash, -c, 'echo started; exec sleep 600']
      env: {FLOWCTL_DEPLOY_TEST: "${dir}"}
`,
  );
  const flowctl = (args: string[]) => exec(FLOWCTL, args, { cwd: dir });
  try {
    const applied = await flowctl(["apply", "-f", "pipeline.yaml", "--control-plane-http-port", String(http)]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, new RegExp(`sleepy runs \\(local; files in \\.flowctl/local/sleepy\\)\\n  control plane: http://127\\.0\\.0\\.1:${http}/api/services\\n`));
    await until("the component started", async () => (await processesWithEnv(marker)).length > 0, 30);
    const pid = Number(await Deno.readTextFile(`${dir}/.flowctl/local/sleepy/run/pid`));
    assert(pid > 0);

    const status = await flowctl(["status", "-f", "pipeline.yaml", "--control-plane-http-port", String(http)]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^flowctl run is running \\(pid ${pid}\\)\\n\\nControl plane \\(http://127\\.0\\.0\\.1:${http}/api/services\\): pipeline unhealthy, 0 registered services\\n$`));
    await until("the component's log", async () => (await Deno.readTextFile(`${dir}/.flowctl/local/sleepy/run/logs/idle.log`).catch(() => "")) === "started\n", 30);

    const deleted = await flowctl(["delete", "-f", "pipeline.yaml"]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await processesWithEnv(marker), [], "the component was stopped");
    assert.throws(() => Deno.statSync(`${dir}/.flowctl/local/sleepy/run/pid`), Deno.errors.NotFound);
    assert.match(await Deno.readTextFile(`${dir}/.flowctl/local/sleepy/run/output.log`), /stopped/);
    const after = await flowctl(["status", "-f", "pipeline.yaml"]);
    assert.equal(after.code, 1);
    assert.match(after.stdout, /^flowctl run is not running\n/);
  } finally {
    await flowctl(["delete", "-f", "pipeline.yaml"]);
    await Deno.remove(dir, { recursive: true });
  }
});
