// Helpers shared by the config tests.
import assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../mod.ts";

/** Asserts `parseConfig(input)` throws a ConfigError; returns it. */
export function configError(input: unknown): ConfigError {
  try {
    parseConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.name, "ConfigError");
    assert.ok(error.issues.length > 0);
    for (const issue of error.issues) {
      assert.ok(error.message.includes(`${issue.path}: ${issue.message}`));
    }
    return error;
  }
  assert.fail(`expected parseConfig(${Deno.inspect(input)}) to throw`);
}

/** The message of the issue at `path`; fails when there is none. */
export function issueAt(error: ConfigError, path: string): string {
  const issue = error.issues.find((i) => i.path === path);
  assert.ok(issue, `no issue at "${path}" in ${error.message}`);
  return issue.message;
}

/** A nats config with a valid server and `extra` nats keys. */
export const nats = (extra: Record<string, unknown> = {}) => ({
  transport: "nats",
  nats: { servers: "wss://nats.example.com", ...extra },
});
