// Bounded waiting for tests: every await on the network has a deadline.
import assert from "node:assert/strict";

/** `p`, or a rejection naming `what` after `ms`. */
export async function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The rejection of `p` within `ms`. Fails if it resolves (closing what it
 * resolved to, if it can be closed).
 */
export async function rejection(
  p: Promise<unknown>,
  ms: number,
  what: string,
): Promise<Error> {
  const outcome = await withTimeout(
    p.then((v) => ({ ok: true, v }), (e) => ({ ok: false, v: e })),
    ms,
    `${what} did not settle`,
  );
  if (outcome.ok) {
    await (outcome.v as { close?(): Promise<void> })?.close?.();
    assert.fail(`${what} should have failed`);
  }
  return outcome.v as Error;
}
