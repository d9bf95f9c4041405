/**
 * A wrapper that keeps credentials out of logs, errors and JSON.
 *
 * @module
 */

const REDACTED = "[redacted]";

/**
 * Holds a secret string. `String(secret)`, `JSON.stringify`, `console.log`
 * (Deno, Node, Bun) all print `[redacted]`; only {@linkcode Secret.reveal}
 * returns the value.
 *
 * @example
 * ```ts
 * import { Secret } from "@mcb/event-bus";
 * const token = new Secret("s3cr3t");
 * console.log(JSON.stringify({ token })); // {"token":"[redacted]"}
 * console.log(token.reveal()); // "s3cr3t"
 * ```
 */
export class Secret {
  #value: string;

  /**
   * Wraps `value`.
   *
   * @param value The secret.
   */
  constructor(value: string) {
    if (typeof value !== "string") {
      throw new TypeError(`Secret: expected a string, got ${typeof value}`);
    }
    this.#value = value;
  }

  /** The secret value. Pass it only to the code that needs it. */
  reveal(): string {
    return this.#value;
  }

  /** Always `[redacted]`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `[redacted]`. */
  toJSON(): string {
    return REDACTED;
  }

  /** Deno's `console.log` / `Deno.inspect`. */
  [Symbol.for("Deno.customInspect")](): string {
    return REDACTED;
  }

  /** Node's and Bun's `console.log` / `util.inspect`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

/** Wraps a string in a {@linkcode Secret}; returns a Secret unchanged. */
export function toSecret(value: string | Secret): Secret {
  return value instanceof Secret ? value : new Secret(value);
}
