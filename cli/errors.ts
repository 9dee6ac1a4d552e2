/**
 * How a command ends other than with a result, and the exit code each means:
 * 0 ok, 1 invalid input, 2 usage, 70 a bug in flowctl (EX_SOFTWARE, as in
 * sysexits.h), so scripts can tell "fix the pipeline" from "report a bug".
 */

export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 70 } as const;

/** The command line is wrong: exit 2 with a pointer to --help. */
export class UsageError extends Error {}

/** A file-system or network step failed for a reason the user can fix (a path, a permission, a port): exit 1. */
export class InputError extends Error {}

/** A file-system step: its failure is the user's to fix (a path, a permission), not a bug. */
export async function onDisk<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new InputError(`cannot ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
