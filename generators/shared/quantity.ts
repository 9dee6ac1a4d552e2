/** Kubernetes resource quantities, converted for targets that spell them otherwise. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** CPU cores as a number: `250m` → 0.25, `"0.5"` → 0.5, `2` → 2. */
export function cpuCores(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

/** Memory in bytes: `512Mi` → 536870912, `1G` → 1e9, `1e3` → 1000. */
export function memoryBytes(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  const m = /^([0-9.]+(?:[eE][0-9]+)?)([A-Za-z]*)$/.exec(quantity);
  if (!m) return NaN;
  const [, num, unit] = m;
  return Math.round(Number(num) * (BINARY[unit] ?? DECIMAL[unit] ?? 1));
}

/** Docker's memory syntax: whole binary units where exact (`512m`, `1g`), else bytes (`1000000000b`). */
export function dockerMemory(quantity: string | number): string {
  const bytes = memoryBytes(quantity);
  for (const [unit, size] of [["g", 2 ** 30], ["m", 2 ** 20], ["k", 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}b`;
}
