/**
 * flowctl's cache folder, where the platform keeps caches: FLOWCTL_CACHE_DIR
 * when set; on Linux and other Unixes $XDG_CACHE_HOME/flowctl or
 * ~/.cache/flowctl; on macOS ~/Library/Caches/flowctl; on Windows
 * %LOCALAPPDATA%\flowctl. Undefined when none is known or the environment may
 * not be read: callers then run without a cache. node: modules only, so the
 * Deno CLI and the Node build share it.
 */
import process from "node:process";

export function cacheDirectory(): string | undefined {
  try {
    const env = process.env;
    if (env.FLOWCTL_CACHE_DIR) return env.FLOWCTL_CACHE_DIR;
    if (process.platform === "win32") return env.LOCALAPPDATA ? `${env.LOCALAPPDATA}\\flowctl` : undefined;
    if (process.platform === "darwin") return env.HOME ? `${env.HOME}/Library/Caches/flowctl` : undefined;
    if (env.XDG_CACHE_HOME) return `${env.XDG_CACHE_HOME}/flowctl`;
    return env.HOME ? `${env.HOME}/.cache/flowctl` : undefined;
  } catch {
    return undefined; // no permission to read the environment
  }
}

/** FLOWCTL_NO_CACHE set to anything but "" or "0" turns the cache of CUE's answers off. */
export function cacheDisabledByEnv(): boolean {
  try {
    const value = process.env.FLOWCTL_NO_CACHE;
    return value !== undefined && value !== "" && value !== "0";
  } catch {
    return false;
  }
}
