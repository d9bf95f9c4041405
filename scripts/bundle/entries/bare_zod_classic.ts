// Baseline: the same zod classic schemas, parsed, and nothing of ours.
import { classicSchemas } from "./_classic_schemas.ts";

console.log(classicSchemas["context.updated"].safeParse({ path: "/a" }));
