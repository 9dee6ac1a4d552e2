// Written by scripts/cue_build.ts (deno task cue:build): what cue/flowctl_cue.wasm.gz holds.
export const CUE_BUILD = {
  cue: "v0.17.1",
  go: "go1.26.8",
  bytes: 16382828,
  sha256: "827ecce0c27ac17785e0568af43548a2be4efb6107842376ab43646362ba19ca",
};
