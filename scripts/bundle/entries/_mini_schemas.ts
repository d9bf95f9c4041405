// The schemas every "mini" bundle of the budget carries (the same in the
// library bundles and in the bare zod/mini baseline, so they cancel out).
import * as z from "zod/mini";

export const miniSchemas = {
  "context.updated": z.object({ path: z.string(), chunks: z.number() }),
  "indexing.progress": z.object({
    collection: z.string().check(z.minLength(1)),
    done: z.int().check(z.minimum(0)),
    total: z.int().check(z.minimum(0)),
  }),
  "cache.cleared": z.object({ reason: z.optional(z.string()) }),
};
