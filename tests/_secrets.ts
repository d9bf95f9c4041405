// Shared by the credential tests (not a test file): whether a secret shows
// anywhere in what the library prints, reports or throws.
import assert from "node:assert/strict";

/** Every way an error is usually shown, its causes included. */
export function shown(error: unknown): string {
  return [
    String(error),
    (error as Error)?.message,
    (error as Error)?.stack,
    Deno.inspect(error, { depth: 10 }),
    JSON.stringify(error),
  ].join("\n");
}

/** Fails if any of `secrets` appears in `text`. */
export function assertNoSecretIn(
  text: string,
  secrets: string[],
  what: string,
): void {
  for (const secret of secrets) {
    const at = text.indexOf(secret);
    if (at < 0) continue;
    const context = text.slice(Math.max(0, at - 120), at + secret.length + 20)
      .replace(secret, "<THE SECRET>");
    assert.fail(`${what} contains a secret: ...${context}...`);
  }
}
