/**
 * The argument checks of `subscribe()`, made before a transport sees the
 * subscription: each names the argument, what was expected and what was
 * given.
 *
 * @module
 */

import type { SubscribeOptions } from "./bus.ts";

/**
 * Throws a `TypeError` naming the bad argument of `subscribe(pattern,
 * handler, options)`, if any.
 */
export function checkSubscribe(
  pattern: string,
  handler: unknown,
  options: SubscribeOptions | undefined,
): void {
  const bad = (problem: string) =>
    new TypeError(`subscribe("${pattern}"): ${problem}`);
  if (typeof handler !== "function") {
    throw bad(`handler must be a function, got ${typeof handler}`);
  }
  const group = options?.group;
  if (
    group !== undefined &&
    (typeof group !== "string" || !/^[A-Za-z0-9_-]{1,128}$/.test(group))
  ) {
    throw bad(
      `group must be 1-128 characters of A-Z, a-z, 0-9, "_" or "-", got ${
        JSON.stringify(group)
      }`,
    );
  }
  const from = options?.from;
  if (typeof from === "object" && from !== null && "after" in from) {
    if (typeof from.after !== "string") {
      throw bad(
        `from.after must be a position string from bus.position(), got ${typeof from
          .after}`,
      );
    }
    if (group !== undefined) {
      throw bad(
        `from: { after } resumes one subscriber and cannot be combined with group "${group}" (a group keeps its own position)`,
      );
    }
  }
  if (options?.onGap !== undefined && typeof options.onGap !== "function") {
    throw bad(`onGap must be a function, got ${typeof options.onGap}`);
  }
}
