// Reading a configuration file and its secret files: the format by
// extension, syntax errors (never quoting the text: it may hold a secret),
// paths relative to the file.

import { ConfigError } from "../core/errors.ts";
import { kindOf } from "../core/_issues.ts";
import type { ValidationIssue } from "../core/errors.ts";
import { JsoncSyntaxError, parseJsonc } from "./jsonc.ts";
import { secretFileKeys, snakeCase } from "./keys.ts";

/** Where a setting came from, for error messages. */
export type Origin =
  | { kind: "file"; key: string }
  | { kind: "env" }
  | { kind: "override" };

const EXTENSIONS = [".json", ".jsonc", ".toml"] as const;

/** Reads and parses the file; its root must be a table/object. */
export async function readDocument(
  file: string,
  readTextFile: (path: string) => Promise<string>,
): Promise<Record<string, unknown>> {
  const extension = EXTENSIONS.find((e) => file.toLowerCase().endsWith(e));
  if (extension === undefined) {
    throw new ConfigError([{
      path: file,
      message: "expected a .json, .jsonc or .toml file",
    }]);
  }
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    throw new ConfigError([{
      path: file,
      message: `cannot read it (${errorText(error)})`,
    }]);
  }
  // The TOML parser is loaded when a TOML file is read: a program (or a
  // bundle) that imports this entry for createEventBus alone does not carry
  // it.
  const toml = extension === ".toml" ? await import("smol-toml") : undefined;
  let root: unknown;
  try {
    root = toml !== undefined
      ? toml.parse(text)
      : parseJsonc(text, extension === ".jsonc");
  } catch (error) {
    if (error instanceof JsoncSyntaxError) {
      const format = extension === ".json" ? "JSON" : "JSONC";
      throw new ConfigError([{
        path: file,
        message: `not valid ${format}: ${error.message}`,
      }]);
    }
    if (toml !== undefined && error instanceof toml.TomlError) {
      // The first line only: the rest quotes the file (maybe a secret).
      const what = error.message.split("\n")[0]
        .replace(/^Invalid TOML document: /, "");
      throw new ConfigError([{
        path: file,
        message:
          `not valid TOML: ${what} at line ${error.line}, column ${error.column}`,
      }]);
    }
    throw error;
  }
  if (!isRecord(root)) {
    throw new ConfigError([{
      path: file,
      message: `expected an object at the top level, got ${kindOf(root)}`,
    }]);
  }
  return root;
}

/** Replaces `tokenFile` & co. with the files' contents. */
export async function readSecretFiles(
  file: string,
  nats: Record<string, unknown>,
  readTextFile: (path: string) => Promise<string>,
  origins: Map<string, Origin>,
  issues: ValidationIssue[],
): Promise<void> {
  for (const [fileKey, target] of secretFileKeys()) {
    if (!(fileKey in nats)) continue;
    const origin = origins.get(`nats.${fileKey}`) as { key: string };
    const at = `${file}: ${origin.key}`;
    const path = nats[fileKey];
    delete nats[fileKey];
    origins.delete(`nats.${fileKey}`);
    if (target in nats) {
      issues.push({
        path: at,
        message: `set either ${snakeCase(target)} or ${
          snakeCase(fileKey)
        }, not both`,
      });
      continue;
    }
    if (typeof path !== "string" || path.trim() === "") {
      issues.push({
        path: at,
        message: `expected the path of a file, got ${kindOf(path)}${
          path === "" ? " (empty)" : ""
        }`,
      });
      continue;
    }
    const resolved = resolvePath(file, path);
    let text: string;
    try {
      text = await readTextFile(resolved);
    } catch (error) {
      issues.push({
        path: at,
        message: `cannot read ${JSON.stringify(resolved)} (${
          errorText(error)
        })`,
      });
      continue;
    }
    const value = target === "creds" ? text : text.trimEnd();
    if (value.trim() === "") {
      issues.push({
        path: at,
        message: `${JSON.stringify(resolved)} is empty`,
      });
      continue;
    }
    nats[target] = value;
    origins.set(`nats.${target}`, { kind: "file", key: origin.key });
  }
}

/** A path relative to the config file's directory, unless absolute. */
export function resolvePath(file: string, path: string): string {
  if (/^(?:[\\/]|[A-Za-z]:[\\/])/.test(path)) return path;
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  return slash === -1 ? path : `${file.slice(0, slash + 1)}${path}`;
}

/** The message of a thrown value. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
