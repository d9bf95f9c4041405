// A small JSON-with-comments parser: `//` and `/* */` comments and trailing
// commas are allowed (as in VS Code's JSONC); duplicate keys are rejected.
// Errors give the line and column but never quote the text (it may hold a
// secret).

/** A syntax error at a line and column (both 1-based). */
export class JsoncSyntaxError extends Error {
  /** The 1-based line. */
  readonly line: number;
  /** The 1-based column. */
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = "JsoncSyntaxError";
    this.line = line;
    this.column = column;
  }
}

/**
 * Parses JSONC text, or strict JSON when `jsonc` is false (then comments
 * and trailing commas are errors).
 *
 * @throws {JsoncSyntaxError} with the line and column of the problem.
 */
export function parseJsonc(text: string, jsonc = true): unknown {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const fail = (message: string, at = i): never => {
    let line = 1;
    let start = 0;
    for (let k = 0; k < at && k < text.length; k++) {
      if (text[k] === "\n") {
        line++;
        start = k + 1;
      }
    }
    throw new JsoncSyntaxError(message, line, at - start + 1);
  };

  const describe = (): string => {
    if (i >= text.length) return "the end of the file";
    const c = text[i];
    return '{}[],:"'.includes(c) ? `"${c}"` : "a value character";
  };

  const skip = (): void => {
    while (i < text.length) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") i++;
      else if (
        c === "/" && (text[i + 1] === "/" || text[i + 1] === "*") && !jsonc
      ) {
        fail("comments are not allowed in JSON (name the file .jsonc)");
      } else if (c === "/" && text[i + 1] === "/") {
        while (i < text.length && text[i] !== "\n") i++;
      } else if (c === "/" && text[i + 1] === "*") {
        const start = i;
        const end = text.indexOf("*/", i + 2);
        if (end === -1) fail("unterminated /* comment", start);
        i = end + 2;
      } else break;
    }
  };

  const string = (): string => {
    const start = i;
    i++; // opening quote
    let out = "";
    while (true) {
      if (i >= text.length) return fail("unterminated string", start);
      const c = text[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "\n" || c.charCodeAt(0) < 0x20) {
        return fail("unterminated string (a control character or newline)");
      }
      if (c === "\\") {
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (
          e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))
        ) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else return fail("invalid escape in a string");
      } else {
        out += c;
        i++;
      }
    }
  };

  const value = (): unknown => {
    skip();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    const literal =
      /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/
        .exec(text.slice(i, i + 400));
    if (literal !== null) {
      const after = text[i + literal[0].length];
      if (after === undefined || !/[\w.$]/.test(after)) {
        i += literal[0].length;
        return JSON.parse(literal[0]);
      }
    }
    return fail(`expected a value, found ${describe()}`);
  };

  const object = (): Record<string, unknown> => {
    i++; // {
    const out: Record<string, unknown> = {};
    let afterComma = false;
    while (true) {
      skip();
      if (text[i] === "}" && afterComma && !jsonc) {
        fail("trailing commas are not allowed in JSON (name the file .jsonc)");
      }
      if (text[i] === "}") {
        i++;
        return out;
      }
      if (text[i] !== '"') {
        return fail(`expected a "quoted" key or "}", found ${describe()}`);
      }
      const keyAt = i;
      const key = string();
      if (Object.hasOwn(out, key)) {
        fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      }
      skip();
      if (text[i] !== ":") {
        fail(`expected ":" after a key, found ${describe()}`);
      }
      i++;
      Object.defineProperty(out, key, {
        value: value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      skip();
      afterComma = text[i] === ",";
      if (afterComma) i++;
      else if (text[i] !== "}") {
        fail(`expected "," or "}", found ${describe()}`);
      }
    }
  };

  const array = (): unknown[] => {
    i++; // [
    const out: unknown[] = [];
    let afterComma = false;
    while (true) {
      skip();
      if (text[i] === "]" && afterComma && !jsonc) {
        fail("trailing commas are not allowed in JSON (name the file .jsonc)");
      }
      if (text[i] === "]") {
        i++;
        return out;
      }
      out.push(value());
      skip();
      afterComma = text[i] === ",";
      if (afterComma) i++;
      else if (text[i] !== "]") {
        fail(`expected "," or "]", found ${describe()}`);
      }
    }
  };

  const result = value();
  skip();
  if (i < text.length) {
    fail(`expected the end of the file, found ${describe()}`);
  }
  return result;
}
