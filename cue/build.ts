// Written by scripts/cue_build.ts (deno task cue:build): what cue/flowctl_cue.wasm.gz holds.
export const CUE_BUILD = {
  cue: "v0.17.1",
  go: "go1.26.8",
  bytes: 16380164,
  sha256: "d53612389febfb6727ef624ec9d2c26924f871492b29b6f243801fc05ad9c31a",
};
