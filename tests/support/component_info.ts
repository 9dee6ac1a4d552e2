/** A component as it registers with the control plane, for the registry's tests: its id and type, the rest empty. */
import type { ComponentInfo } from "../../controlplane/registry.ts";

export function componentInfo(id: string, type: ComponentInfo["type"] = "PROCESSOR", extra: Partial<ComponentInfo> = {}): ComponentInfo {
  return {
    id,
    name: id,
    description: "",
    version: "1",
    type,
    inputEventTypes: [],
    outputEventTypes: [],
    endpoint: "",
    metadata: {},
    ...extra,
  };
}
