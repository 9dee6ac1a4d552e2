/** The engine commands apply, delete and status run, worked out from a target's files (no engine runs here). */
import assert from "node:assert/strict";
import { deployment, type DeployRequest } from "../../deploy/mod.ts";
import { compile } from "../../translate/compile.ts";
import { defaultRegistry } from "../../generators/mod.ts";
import type { GeneratorOptions } from "../../generators/generator.ts";
import { cue, ROOT } from "../support/helpers.ts";

const registry = defaultRegistry();

async function request(fixture: string, target: string, options: GeneratorOptions = {}, extra: Partial<DeployRequest> = {}, prefix?: string): Promise<DeployRequest> {
  const text = await Deno.readTextFile(new URL(`fixtures/${fixture}`, ROOT));
  const result = compile(text, { filename: fixture, cue: await cue(), target, registry, generatorOptions: options, prefix });
  assert.equal(result.files.length > 0, true, result.diagnostics.map((d) => d.message).join("\n"));
  return {
    ir: result.pipelines[0],
    files: result.files,
    dir: `/state/${target}/p`,
    volumes: false,
    timeoutSeconds: 300,
    pipelineArgs: ["-f", `fixtures/${fixture}`],
    projectDir: "fixtures",
    flowctl: ["/bin/flowctl"],
    optionArgs: [],
    options,
    ...extra,
  };
}

const argvs = (steps: { kind: string; argv?: string[] }[]) => steps.map((s) => s.argv ?? [s.kind]);

Deno.test("deploy: docker-compose applies with up --wait under the file's project name, and deletes volumes only when asked", async () => {
  const d = deployment("docker-compose", await request("fan_out.yaml", "docker-compose"))!;
  const compose = ["docker", "compose", "--project-name", "ledger-fanout", "--project-directory", "fixtures", "--file", "/state/docker-compose/p/docker-compose.yaml"];
  assert.deepEqual(d.preflight.map((p) => p.command.argv), [["docker", "compose", "version", "--short"], ["docker", "version", "--format", "{{.Server.APIVersion}}"]]);
  assert.deepEqual(d.apply.map((s) => s.kind === "image" ? ["image", s.image] : s.kind === "run" ? s.argv : [s.kind]), [
    ["image", "flowctl/control-plane:0.1.0"],
    [...compose, "up", "--detach", "--wait", "--wait-timeout", "300", "--remove-orphans"],
  ]);
  assert.deepEqual(argvs(d.delete), [[...compose, "down", "--remove-orphans"]]);
  const withVolumes = deployment("docker-compose", await request("fan_out.yaml", "docker-compose", {}, { volumes: true }))!;
  assert.deepEqual(argvs(withVolumes.delete), [[...compose, "down", "--remove-orphans", "--volumes"]]);
  assert.deepEqual(argvs(d.status), [[...compose, "ps", "--all"]]);
  assert.equal(d.controlPlane.kind, "port-of");
  if (d.controlPlane.kind === "port-of") assert.deepEqual(d.controlPlane.command.argv, [...compose, "port", "flowctl-control-plane", "8081"]);
});

Deno.test("deploy: compose preflight refuses Compose v1 and old Compose v2, and leaves start_interval out for engines before API 1.44", async () => {
  const [compose, engine] = deployment("docker-compose", await request("fan_out.yaml", "docker-compose"))!.preflight;
  const result = (code: number, stdout: string, stderr = "", notStarted?: string) => ({ code, stdout, stderr, ...(notStarted && { notStarted }) });
  assert.deepEqual(compose.judge(result(0, "2.26.1\n")), { ok: true });
  assert.deepEqual(compose.judge(result(0, "v2.29.7-desktop.1\n")), { ok: true });
  const v1 = compose.judge(result(1, "", "docker: 'compose' is not a docker command.\nSee 'docker --help'\n"));
  assert.equal(v1.ok, false);
  assert.match(!v1.ok ? `${v1.problem} | ${v1.hint}` : "", /no Compose v2 .*'compose' is not a docker command.* \| install .*docker-compose 1\.x \(Compose v1\) cannot/s);
  const tooOld = compose.judge(result(0, "2.12.2\n"));
  assert.match(!tooOld.ok ? tooOld.problem : "", /2\.12\.2 is older than 2\.17/);
  const missing = compose.judge(result(127, "", "", "No such file or directory (os error 2)"));
  assert.match(!missing.ok ? missing.problem : "", /^cannot run docker \(No such file/);

  const old = engine.judge(result(0, "1.41\n"));
  assert.deepEqual(old.ok && old.options, { "start-interval": "0s" });
  assert.match(old.ok ? old.note! : "", /API 1\.41, .* from API 1\.44 \(Docker 25\)/);
  assert.deepEqual(engine.judge(result(0, "1.44\n")), { ok: true });
  assert.deepEqual(engine.judge(result(0, "1.47\n")), { ok: true });
  const down = engine.judge(result(1, "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"));
  assert.match(!down.ok ? `${down.problem} | ${down.hint}` : "", /does not answer: Cannot connect .* \| start Docker, or point DOCKER_HOST/);
});

Deno.test("deploy: a control plane that is not flowctl's image is neither built nor asked", async () => {
  const d = deployment("docker-compose", await request("control_plane_go.yaml", "docker-compose"))!;
  assert.equal(d.apply.some((s) => s.kind === "image"), false);
  assert.equal(d.controlPlane.kind, "none");
});

Deno.test("deploy: kubernetes applies the folder with pruning by the pipeline's labels, waits for every Deployment, and deletes by the same labels", async () => {
  const d = deployment("kubernetes", await request("fan_out.yaml", "kubernetes", { namespace: "data" }))!;
  const selector = "app.kubernetes.io/managed-by=flowctl,app.kubernetes.io/part-of=ledger-fanout";
  assert.deepEqual(argvs(d.apply), [
    [
      "kubectl", "apply", "--filename", "/state/kubernetes/p", "--prune", "--selector", selector,
      "--prune-allowlist=core/v1/Service", "--prune-allowlist=core/v1/ConfigMap", "--prune-allowlist=apps/v1/Deployment", "--prune-allowlist=core/v1/PersistentVolumeClaim",
      "--prune-allowlist=networking.k8s.io/v1/NetworkPolicy",
    ],
    ["kubectl", "wait", "--namespace", "data", "--for=condition=Available", "deployment", "--selector", selector, "--timeout=300s"],
  ]);
  assert.deepEqual(argvs(d.delete), [["kubectl", "delete", "--namespace", "data", "deployment,service,configmap,networkpolicy", "--selector", selector, "--ignore-not-found", "--wait"]]);
  assert.deepEqual(d.controlPlane.kind === "raw" && d.controlPlane.command.argv, [
    "kubectl", "get", "--raw", "/api/v1/namespaces/data/services/flowctl-control-plane:8081/proxy/api/services",
  ]);
});

Deno.test("deploy: kubernetes does not ask the control plane through the API server when its NetworkPolicy keeps the proxy out", async () => {
  const d = deployment("kubernetes", await request("fan_out.yaml", "kubernetes", { "network-policies": true }, {}, "dev"))!;
  assert.equal(d.controlPlane.kind, "none");
  assert.match(d.controlPlane.kind === "none" ? d.controlPlane.why : "", /kubectl port-forward --namespace default service\/dev-flowctl-control-plane 8081/);
});

Deno.test("deploy: kubernetes asks the control plane by the name it was given (--prefix)", async () => {
  const d = deployment("kubernetes", await request("fan_out.yaml", "kubernetes", {}, {}, "dev"))!;
  assert.deepEqual(d.controlPlane.kind === "raw" && d.controlPlane.command.argv.at(-1), "/api/v1/namespaces/default/services/dev-flowctl-control-plane:8081/proxy/api/services");
  assert.match(argvs(d.delete)[0].join(" "), /part-of=dev-ledger-fanout /);
});

Deno.test("deploy: nomad runs the job file and stops and shows the job in its own region and namespace", async () => {
  const d = deployment("nomad", await request("commands.yaml", "nomad", { region: "eu", namespace: "pipelines" }))!;
  assert.deepEqual(argvs(d.apply), [["nomad", "job", "run", "/state/nomad/p/commands.nomad.hcl"]]);
  assert.deepEqual(argvs(d.delete), [["nomad", "job", "stop", "-region=eu", "-namespace=pipelines", "-purge", "commands"]]);
  assert.deepEqual(argvs(d.status), [["nomad", "job", "status", "-region=eu", "-namespace=pipelines", "commands"]]);
});

Deno.test("deploy: local runs flowctl run in the background, with its logs, store and pid in the state folder", async () => {
  const d = deployment("local", await request("commands.yaml", "local", {}, { optionArgs: ["--max-restarts", "2"] }))!;
  const stop = { kind: "stop", pidFile: "/state/local/p/run/pid", purpose: "stop flowctl run if it runs, which stops the components in reverse order" };
  assert.deepEqual(d.apply, [stop, {
    kind: "detach",
    argv: ["/bin/flowctl", "run", "--log-dir", "/state/local/p/run/logs", "--state-dir", "/state/local/p/run/state", "--max-restarts", "2", "-f", "fixtures/commands.yaml"],
    env: {},
    pidFile: "/state/local/p/run/pid",
    logFile: "/state/local/p/run/output.log",
    readyUrl: "http://127.0.0.1:8081/health",
    timeoutSeconds: 300,
    purpose: "run the pipeline in the background with flowctl run, and wait until its control plane answers",
  }]);
  assert.deepEqual(d.delete, [stop]);
  assert.deepEqual(d.controlPlane, { kind: "url", url: "http://127.0.0.1:8081/api/services" });
});
