// Baseline: the same zod/mini schemas, parsed, and nothing of ours.
import * as z from "zod/mini";
import { miniSchemas } from "./_mini_schemas.ts";

console.log(z.safeParse(miniSchemas["context.updated"], { path: "/a" }));
