/** Host paths that only make sense beside the pipeline file (compose, local) and not on a cluster node. */

/** Why a host path cannot be mounted on a cluster node, or undefined when it can. */
export function hostPathProblem(path: string): string | undefined {
  if (path.includes("$")) return "names an environment variable, which nothing expands";
  if (path.startsWith("~")) return "starts with ~, which nothing expands";
  if (!path.startsWith("/")) return "is relative to the pipeline file, which the node does not have";
  return undefined;
}
