/**
 * The files of a pipeline's TLS folder (spec.controlPlane.tls.dir), as
 * `flowctl tls certs` writes them and the targets that read the folder
 * (compose, local) name them. The CA's key is never mounted anywhere.
 */
export const TLS_FILES = {
  ca: "ca.pem",
  caKey: "ca-key.pem",
  controlPlane: "control-plane.pem",
  controlPlaneKey: "control-plane-key.pem",
  operator: "operator.pem",
  operatorKey: "operator-key.pem",
  component: (id: string) => `components/${id}.pem`,
  componentKey: (id: string) => `components/${id}-key.pem`,
} as const;
