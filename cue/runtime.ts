/**
 * Go's WebAssembly runtime (wasm_exec.js, from the toolchain that built the
 * validator), captured as it is defined: other Go programs in the same process
 * (the HCL parser the Nomad checks use) replace globalThis.Go with their own,
 * older glue.
 */
import "./wasm_exec.js";

export const GoRuntime: unknown = (globalThis as { Go?: unknown }).Go;
