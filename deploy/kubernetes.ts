/**
 * kubernetes: `kubectl apply` of the state folder, pruning what the pipeline
 * no longer has (found by the labels every object carries), then waiting until
 * every Deployment is available.
 */
import { parseAllDocuments } from "yaml";
import { CONTROL_PLANE_HTTP_PORT, runsFlowctlImage } from "../generators/shared/control_plane.ts";
import { type Deployment, type DeployRequest, mustSucceed, run } from "./plan.ts";

/** The kinds flowctl writes and may therefore prune or delete: every other object of the namespace is left alone. */
const PRUNABLE = ["core/v1/Service", "core/v1/ConfigMap", "apps/v1/Deployment", "core/v1/PersistentVolumeClaim"];

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export function kubernetesDeployment(req: DeployRequest): Deployment {
  const objects = req.files.flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as { kind: string; metadata: Metadata }));
  const namespaced = objects.filter((o) => o.kind !== "Namespace");
  const namespace = namespaced.find((o) => o.metadata.namespace)?.metadata.namespace ?? "default";
  const partOf = namespaced.map((o) => o.metadata.labels?.["app.kubernetes.io/part-of"]).find((value) => value !== undefined);
  if (!partOf) throw new Error("the kubernetes target wrote objects without the app.kubernetes.io/part-of label");
  const selector = `app.kubernetes.io/managed-by=flowctl,app.kubernetes.io/part-of=${partOf}`;
  const ns = ["--namespace", namespace];
  const flowctlImage = req.ir.controlPlane.enabled && runsFlowctlImage(req.ir.controlPlane);
  // Its name as written (with any --prefix): the Service that is the control plane.
  const controlPlane = namespaced.find((o) => o.kind === "Service" && o.metadata.labels?.["app.kubernetes.io/component"] === "control-plane");
  return {
    target: "kubernetes",
    dir: req.dir,
    files: req.files,
    preflight: [
      mustSucceed(
        "check that kubectl reaches a cluster",
        ["kubectl", "version", "--output", "json"],
        "install kubectl and point it at the cluster (kubectl config use-context NAME, or KUBECONFIG)",
      ),
    ],
    apply: [
      run("apply the objects, and prune the pipeline's objects it no longer has", [
        "kubectl",
        "apply",
        "--filename",
        req.dir,
        "--prune",
        "--selector",
        selector,
        ...PRUNABLE.map((kind) => `--prune-allowlist=${kind}`),
      ]),
      run("wait until every Deployment is available", [
        "kubectl",
        "wait",
        ...ns,
        "--for=condition=Available",
        "deployment",
        "--selector",
        selector,
        `--timeout=${req.timeoutSeconds}s`,
      ]),
    ],
    delete: [
      run(
        `delete the Deployments, Services and ConfigMaps${req.volumes ? ", and the claims with their data" : " (claims are kept; --volumes deletes them)"}`,
        [
          "kubectl",
          "delete",
          ...ns,
          `deployment,service,configmap${req.volumes ? ",persistentvolumeclaim" : ""}`,
          "--selector",
          selector,
          "--ignore-not-found",
          "--wait",
        ],
      ),
    ],
    status: [run("list the pipeline's Deployments, Pods and Services", ["kubectl", "get", ...ns, "deployment,pod,service", "--selector", selector, "--output", "wide"])],
    controlPlane: flowctlImage && controlPlane
      ? {
        kind: "raw",
        command: run("ask the control plane through the API server", [
          "kubectl",
          "get",
          "--raw",
          `/api/v1/namespaces/${namespace}/services/${controlPlane.metadata.name}:${CONTROL_PLANE_HTTP_PORT}/proxy/api/services`,
        ]),
      }
      : { kind: "none", why: req.ir.controlPlane.enabled ? "the control plane is not flowctl's image" : "the pipeline has no control plane" },
  };
}
