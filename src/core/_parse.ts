// Validates event data against one zod schema, with the library's errors.
import type * as z from "zod/v4/core";
import { $ZodError, parse } from "zod/v4/core";
import type { EventSchema } from "./catalog_types.ts";
import { ValidationError } from "./errors.ts";
import { toValidationIssues } from "./_issues.ts";

/**
 * zod's output for `data`, or a ValidationError naming `type` and every
 * failing path under `data`; `note` is appended to each message (e.g.
 * "(read as version 1)").
 */
export function parseData(
  type: string,
  schema: EventSchema,
  data: unknown,
  note?: string,
): unknown {
  // The success path allocates nothing beyond zod's own work.
  try {
    return parse(schema as unknown as z.$ZodType, data);
  } catch (error) {
    if (!(error instanceof $ZodError)) {
      // A recursive schema on absurdly deep data overflows the stack.
      if (!(error instanceof RangeError)) throw error;
      throw new ValidationError(type, [{
        path: "data",
        message: "nested too deeply to validate",
      }], { cause: error });
    }
    const issues = toValidationIssues("data", error.issues, data);
    throw new ValidationError(
      type,
      note
        ? issues.map((i) => ({ ...i, message: `${i.message} ${note}` }))
        : issues,
    ); // zod's error lists the same issues (see `issues`): no cause
  }
}
