// Small zod/mini building blocks shared by the config schemas.
import * as z from "zod/mini";
import { Secret } from "../core/secret.ts";

type Ctx = { value: unknown; issues: unknown[] };

/** A check whose message may include the (non-secret) value. */
export function custom<T = string>(
  test: (value: T) => string | undefined,
): (ctx: Ctx) => void {
  return (ctx) => {
    const problem = test(ctx.value as T);
    if (problem !== undefined) {
      ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
    }
  };
}

/** A secret given as a non-empty string or a Secret. */
export function secret(): z.ZodMiniUnion<
  [z.ZodMiniString<string>, z.ZodMiniCustom<Secret, Secret>]
> {
  return z.union([
    z.string().check(z.minLength(1)),
    z.custom<Secret>((v) => v instanceof Secret, {
      error: "expected a non-empty string or a Secret",
    }),
  ]);
}

/** An integer >= `min`. */
export function int(min: number): z.ZodMiniNumber<number> {
  return z.number().check(
    custom<number>((v) =>
      Number.isInteger(v) && v >= min
        ? undefined
        : `expected an integer >= ${min}, got ${v}`
    ),
  );
}
