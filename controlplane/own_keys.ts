/**
 * Keys that come from clients or from the store (metadata, metrics, ids) are
 * data: `constructor` or `toString` must not find what every object inherits.
 * Reads of such keys from plain objects go through here; collections keyed by
 * them are Maps.
 */

/** The object's own value at `key`, or undefined. */
export function ownValue<T>(object: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
