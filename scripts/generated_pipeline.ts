/** Pipelines of any size for the benches: the same text for the same n, so runs compare. */

/** A pipeline of n components: one source, a chain of processors, and sinks fanning out of every tenth one. */
export function generatedPipeline(n: number): string {
  const lines = ["apiVersion: flowctl/v1", "kind: Pipeline", `metadata: {name: bench-${n}}`, "spec:", "  sources:"];
  lines.push("    - {id: src, image: example/src:1, ports: [{containerPort: 50051}], env: {NETWORK: testnet}}");
  const processors: string[] = [];
  const sinks: string[] = [];
  let previous = "src";
  for (let i = 1; i < n; i++) {
    if (i % 10 === 0) sinks.push(`    - {id: sink-${i}, image: example/sink:1, inputs: [${previous}], env: {BATCH: "100"}}`);
    else {
      processors.push(
        `    - {id: p-${i}, image: example/p:1, inputs: [${previous}], ports: [{containerPort: ${50052 + (i % 1000)}}], config: {level: ${i}}}`,
      );
      previous = `p-${i}`;
    }
  }
  if (sinks.length === 0) sinks.push(`    - {id: sink, image: example/sink:1, inputs: [${previous}]}`);
  return [...lines, "  processors:", ...processors, "  sinks:", ...sinks].join("\n") + "\n";
}
