/**
 * kubernetes: `kubectl apply` of the state folder, pruning what the pipeline
 * no longer has (found by the labels every object carries), then waiting until
 * every Deployment is available.
 */
import { parseAllDocuments } from "yaml";
import { CONTROL_PLANE_HTTP_PORT, runsFlowctlImage } from "../generators/shared/control_plane.ts";
import { type ControlPlaneView, type Deployment, type DeployRequest, mustSucceed, run } from "./plan.ts";

/** The kinds flowctl writes and may therefore prune or delete: every other object of the namespace is left alone. */
const PRUNABLE = [
  "core/v1/Service",
  "core/v1/ConfigMap",
  "apps/v1/Deployment",
  "core/v1/PersistentVolumeClaim",
  "networking.k8s.io/v1/NetworkPolicy",
];

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
  // Its name as written (with any --prefix): the Service that is the control plane.
  const controlPlane = namespaced.find((o) => o.kind === "Service" && o.metadata.labels?.["app.kubernetes.io/component"] === "control-plane");
  const fenced = namespaced.some((o) => o.kind === "NetworkPolicy" && o.metadata.name === controlPlane?.metadata.name);
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
        `delete the Deployments, Services, ConfigMaps and NetworkPolicies${req.volumes ? ", and the claims with their data" : " (claims are kept; --volumes deletes them)"}`,
        [
          "kubectl",
          "delete",
          ...ns,
          `deployment,service,configmap,networkpolicy${req.volumes ? ",persistentvolumeclaim" : ""}`,
          "--selector",
          selector,
          "--ignore-not-found",
          "--wait",
        ],
      ),
    ],
    status: [run("list the pipeline's Deployments, Pods and Services", ["kubectl", "get", ...ns, "deployment,pod,service", "--selector", selector, "--output", "wide"])],
    controlPlane: controlPlaneView(req, namespace, controlPlane?.metadata.name, fenced),
  };
}

/** How status asks the control plane: through the API server's proxy, unless its NetworkPolicy keeps the proxy out. */
function controlPlaneView(req: DeployRequest, namespace: string, service: string | undefined, fenced: boolean): ControlPlaneView {
  const cp = req.ir.controlPlane;
  if (!cp.enabled || !runsFlowctlImage(cp) || service === undefined) {
    return { kind: "none", why: cp.enabled ? "the control plane is not flowctl's image" : "the pipeline has no control plane" };
  }
  if (cp.tls?.mode === "mutual") {
    return {
      kind: "none",
      why: `under mutual TLS /api/services answers only the operator's certificate, which the API server's proxy does not hold; ` +
        `kubectl port-forward --namespace ${namespace} service/${service} ${CONTROL_PLANE_HTTP_PORT}, then ask ` +
        `https://127.0.0.1:${CONTROL_PLANE_HTTP_PORT}/api/services with operator.pem`,
    };
  }
  if (fenced) {
    return {
      kind: "none",
      why: `its NetworkPolicy admits only the pipeline's components, not the API server's proxy; ` +
        `kubectl port-forward --namespace ${namespace} service/${service} ${CONTROL_PLANE_HTTP_PORT} reaches it on 127.0.0.1`,
    };
  }
  return {
    kind: "raw",
    command: run("ask the control plane through the API server", [
      "kubectl",
      "get",
      "--raw",
      // "https:" asks the proxy to speak TLS to it (server-only TLS; the proxy does not check its certificate).
      `/api/v1/namespaces/${namespace}/services/${cp.tls ? "https:" : ""}${service}:${CONTROL_PLANE_HTTP_PORT}/proxy/api/services`,
    ]),
  };
}
