/**
 * Stages 3 and 4 together: the structure and value rules (CUE) and the rules
 * across components (graph). Both run on every document, so one run reports
 * every problem. A document in which neither finds an error has the shape of
 * the CUE schema, and from here on it is typed as such.
 */
import type { CueEngine } from "./cue.ts";
import { type Diagnostic, hasErrors } from "./diagnostics.ts";
import { checkGraph } from "./graph.ts";
import { checkSchemas } from "./schema.ts";
import type { LocatedDocument } from "./source.ts";
import type { Pipeline } from "../schemas/pipeline_types.ts";

/** A document that passed the schema and the graph checks. */
export type PipelineDocument = LocatedDocument<Pipeline>;

/** Checks the documents of one file (CUE sees them all at once); per document, its findings and, when clean, its typed self. */
export function checkDocuments(
  cue: CueEngine,
  docs: readonly LocatedDocument[],
): { document?: PipelineDocument; diagnostics: Diagnostic[] }[] {
  const schema = checkSchemas(cue, docs);
  return docs.map((doc, i) => {
    const diagnostics = [...schema[i], ...checkGraph(doc)];
    // The one place the data's type is asserted: CUE has just said it matches #Pipeline.
    return hasErrors(diagnostics) ? { diagnostics } : { document: doc as PipelineDocument, diagnostics };
  });
}
