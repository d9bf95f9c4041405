// The schemas every "classic" bundle of the budget carries (the same in the
// library bundle and in the bare zod classic baseline).
import { z } from "zod";

export const classicSchemas = {
  "context.updated": z.object({ path: z.string(), chunks: z.number() }),
  "indexing.progress": z.object({
    collection: z.string().min(1),
    done: z.int().min(0),
    total: z.int().min(0),
  }),
  "cache.cleared": z.object({ reason: z.string().optional() }),
};
