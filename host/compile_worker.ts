/**
 * A compile worker of the web service on Deno (host/compile_pool.ts starts
 * them): it starts its own CUE (one Go runtime per thread) from the module the
 * pool sends, then answers jobs. It needs no file access: Go's glue is a
 * module import and CUE's module comes by message.
 */
import { GoRuntime } from "../cue/runtime.ts";
import { createCueEngine } from "../compiler/cue.ts";
import { defaultRegistry } from "../generators/mod.ts";
import { runJob } from "../service/compile_job.ts";
import { serveJobs } from "../service/pool_protocol.ts";

/** Compiled once per target before the first job: a new thread's first compilations are several times slower. */
const WARM_UP = `apiVersion: flowctl/v1
kind: Pipeline
metadata: {name: warm-up}
spec:
  sources: [{id: src, image: example/src:1, ports: [{containerPort: 50051}]}]
  sinks: [{id: sink, image: example/sink:1, inputs: [src]}]
`;

serveJobs(async (payload) => {
  const { wasm } = payload as { wasm: WebAssembly.Module };
  const tools = { cue: await createCueEngine(wasm, GoRuntime), registry: defaultRegistry() };
  for (const target of tools.registry.names()) runJob({ route: "translate", source: WARM_UP, filename: "warm-up.yaml", target }, tools);
  return (job) => runJob(job, tools);
});
