// The bench payload's schema (plain JavaScript, so that the peers bench's
// Node code, copied without the rest of scripts/bench/, uses the very
// module the Deno benches do): `context.updated` of local.ts, parsed by the
// raw floor case and extended by the NATS and peers cases.

import { z } from "zod";

/** The schema of the 176-byte payload (`payload` in local.ts). */
export const payloadSchema = z.object({
  path: z.string().min(1),
  collection: z.string().min(1),
  chunks: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  language: z.string(),
  changed: z.boolean(),
  hash: z.string(),
});
