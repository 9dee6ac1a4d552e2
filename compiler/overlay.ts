/**
 * Overlays: pipeline files laid over the one before them
 * (`-f base.yaml -f prod.yaml`). Mappings merge key by key; a `null` deletes
 * the key; lists are replaced, except the component lists (`spec.sources`,
 * `processors`, `sinks`), whose entries merge by `id`: an overlay may change
 * one field of one component, and adds a component only when it gives a whole
 * one (with image, command or type). Every value keeps the span of the file
 * that set it, so a diagnostic points at the overlay's line for what the
 * overlay changed and at the base's for the rest.
 */
import { diagnostic, type Diagnostic } from "./diagnostics.ts";
import { formatPath, isRecord, type LocatedDocument, locate, type Path, type Span } from "./source.ts";
import { closest } from "./suggest.ts";

/** The lists whose entries are components, merged by id. */
export const COMPONENT_LISTS = ["sources", "processors", "sinks"] as const;

const isComponentList = (path: Path) => path.length === 2 && path[0] === "spec" && (COMPONENT_LISTS as readonly unknown[]).includes(path[1]);

/** What a component needs to be added by an overlay rather than change one of the base. */
const RUNNABLE = ["image", "command", "type"];

export interface OverlayResult {
  document: LocatedDocument;
  diagnostics: Diagnostic[];
}

/** `overlay` laid over `base`: a new document (neither input changes). */
export function applyOverlay(base: LocatedDocument, overlay: LocatedDocument): OverlayResult {
  const spans = new Map(base.spans);
  const diagnostics: Diagnostic[] = [];
  const source = (span: Span): Span => (span.source ? span : { ...span, source: overlay.source });

  /** Forgets the spans of a value of the base that is replaced or deleted. */
  const drop = (value: unknown, path: Path) => {
    spans.delete(formatPath(path));
    if (Array.isArray(value)) value.forEach((v, i) => drop(v, [...path, i]));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) drop(v, [...path, k]);
  };
  /** Takes the spans of an overlay's value, moved to where it lands. */
  const take = (value: unknown, from: Path, to: Path) => {
    const span = overlay.spans.get(formatPath(from));
    if (span) spans.set(formatPath(to), source(span));
    if (Array.isArray(value)) value.forEach((v, i) => take(v, [...from, i], [...to, i]));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) take(v, [...from, k], [...to, k]);
  };
  const replace = (old: unknown, value: unknown, from: Path, to: Path) => {
    drop(old, to);
    take(value, from, to);
    return value;
  };

  const merge = (old: unknown, value: unknown, from: Path, to: Path): unknown => {
    if (isComponentList(to) && Array.isArray(old) && Array.isArray(value)) return mergeComponents(old, value, from, to);
    if (!isRecord(old) || !isRecord(value)) return replace(old, value, from, to);
    const out: Record<string, unknown> = { ...old };
    for (const [key, v] of Object.entries(value)) {
      if (v === null) {
        drop(old[key], [...to, key]);
        delete out[key];
      } else if (Object.hasOwn(old, key)) {
        out[key] = merge(old[key], v, [...from, key], [...to, key]);
      } else {
        out[key] = v;
        take(v, [...from, key], [...to, key]);
      }
    }
    return out;
  };

  const mergeComponents = (old: unknown[], value: unknown[], from: Path, to: Path): unknown[] => {
    const out = [...old];
    const index = new Map<string, number>();
    old.forEach((c, i) => isRecord(c) && typeof c.id === "string" && index.set(c.id, i));
    value.forEach((component, j) => {
      const at = [...from, j];
      const id = isRecord(component) ? component.id : undefined;
      if (typeof id !== "string") {
        diagnostics.push(diagnostic(
          "E_OVERLAY",
          locate(overlay, at),
          `an overlay's ${String(to[1]).replace(/s$/, "")} needs an id: it says which component of the files before it to change`,
          "add id: with the id of the component to change, or a new id with the whole component to add one",
        ));
        return;
      }
      const i = index.get(id);
      if (i !== undefined) {
        out[i] = merge(out[i], component, at, [...to, i]);
      } else if (RUNNABLE.some((k) => Object.hasOwn(component as Record<string, unknown>, k))) {
        index.set(id, out.length);
        out.push(component);
        take(component, at, [...to, out.length - 1]);
      } else {
        const near = closest(id, [...index.keys()]);
        diagnostics.push(diagnostic(
          "E_OVERLAY",
          locate(overlay, [...at, "id"]),
          `the overlay changes ${String(to[1]).replace(/s$/, "")} ${JSON.stringify(id)}, which the files before it do not have` +
            (near ? ` (did you mean ${JSON.stringify(near)}?)` : ""),
          near ? `use id: ${near}` : "fix the id, or give the whole component (with image or command) to add it",
        ));
      }
    });
    return out;
  };

  if (!isRecord(overlay.data)) {
    return {
      document: base,
      diagnostics: [diagnostic("E_NOT_A_MAPPING", locate(overlay, []), "an overlay must be a mapping, as a pipeline is", "write the keys to change, as in the pipeline")],
    };
  }
  const data = merge(base.data, overlay.data, [], []);
  return { document: { source: base.source, data, spans }, diagnostics };
}
