// Minimal assertions for the conformance suite: it lives in src/, which must
// not import runtime modules such as node:assert.

/** Thrown when a conformance check fails. */
export class AssertionError extends Error {
  /**
   * Creates the error.
   *
   * @param message What failed.
   */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function show(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    return json === undefined
      ? String(value)
      : json.length > 400
      ? `${json.slice(0, 400)}...`
      : json;
  } catch {
    return String(value);
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertEquals(
  actual: unknown,
  expected: unknown,
  what: string,
): void {
  if (show(actual) !== show(expected)) {
    throw new AssertionError(
      `${what}: expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

/** `error`, asserted to be named `name` (an error class's name). */
function named(error: unknown, name: string, what: string): Error {
  const err = error as Error;
  assert(
    err?.name === name,
    `${what}: expected ${name}, got ${err?.name}: ${err?.message}`,
  );
  return err;
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  name: string,
  what: string,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return named(error, name, what);
  }
  throw new AssertionError(
    `${what}: expected a ${name} rejection, but it resolved`,
  );
}

export function assertThrows(
  fn: () => unknown,
  name: string,
  what: string,
): Error {
  try {
    fn();
  } catch (error) {
    return named(error, name, what);
  }
  throw new AssertionError(`${what}: expected a ${name} to be thrown`);
}

/** Polls `condition` until it holds or `timeout` ms pass. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeout = 5000,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new AssertionError(
        `timed out after ${timeout} ms waiting for ${what}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
