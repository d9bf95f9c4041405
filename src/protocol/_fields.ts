// The fields of a JSON Schema as table rows: nested objects as `a.b`, array
// items as `a[]`, record values as `a.<key>`, for the event reference.
import type { JSONSchema } from "./json_schema.ts";

/** One row of a field table. */
export interface FieldRow {
  /** `a.b`, `items[]`, `<key>`; `(data)` for a schema that is no object. */
  path: string;
  /** `string`, `integer`, `string | null`, `object`, `integer[]`. */
  type: string;
  /** Whether the field must be present; undefined for items and values. */
  required: boolean | undefined;
  /** The default (JSON), if any. */
  default?: unknown;
  /** Human-readable constraints, e.g. `>= 0`, `one of "a", "b"`. */
  constraints: string[];
  /** The schema's description, if any. */
  description?: string;
}

type Schema = JSONSchema | boolean;

// zod's `z.int()` bounds: implied by "integer", noise in a table.
const SAFE = Number.MAX_SAFE_INTEGER;

/** The rows of `root`, in the schema's order. */
export function schemaFields(root: JSONSchema): FieldRow[] {
  const rows: FieldRow[] = [];
  const resolve = resolver(root);
  // $ref -> the path where its target is being expanded (recursion).
  const expanding = new Map<string, string>();
  const walk = (s: Schema, path: string, required?: boolean, own = true) => {
    if (typeof s === "boolean") {
      if (own) rows.push({ path, type: typeOf(s), required, constraints: [] });
      return;
    }
    const ref = typeof s.$ref === "string" ? s.$ref : undefined;
    if (ref !== undefined) {
      const target = resolve(ref);
      const first = expanding.get(ref);
      if (target === undefined || first !== undefined) {
        const row = { path, type: typeOf(s, resolve), required, ...about(s) };
        if (first !== undefined) {
          row.constraints.push(`same shape as ${first || "(data)"}`);
        }
        if (own) rows.push(row);
        return;
      }
      expanding.set(ref, path);
      const { $ref: _, ...rest } = s;
      walk({ ...(target as JSONSchema), ...rest }, path, required, own);
      expanding.delete(ref);
      return;
    }
    const props = s.properties as Record<string, Schema> | undefined;
    const values = s.additionalProperties;
    const items = s.items;
    // The root object's own row says nothing its fields do not.
    if (own && (path !== "" || (!props && typeof values !== "object"))) {
      const type = typeOf(s, resolve);
      rows.push({ path: path || "(data)", type, required, ...about(s) });
    }
    const at = (name: string) => (path ? `${path}.${name}` : name);
    const needed = new Set((s.required as string[] | undefined) ?? []);
    for (const [name, child] of Object.entries(props ?? {})) {
      walk(child, at(name), needed.has(name));
    }
    if (typeof values === "object" && values !== null) {
      walk(values as JSONSchema, at("<key>"));
    }
    if (typeof items === "object" && items !== null && !Array.isArray(items)) {
      walk(items as JSONSchema, `${path || "(data)"}[]`);
    }
    // A union's members add their fields under the same path.
    for (const member of (s.anyOf ?? s.oneOf ?? []) as Schema[]) {
      walk(member, path, undefined, false);
    }
  };
  walk(root, "");
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = JSON.stringify(row);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Resolve = (ref: string) => Schema | undefined;

/** Resolves a local `$ref` (`#`, `#/definitions/x`) inside `root`. */
function resolver(root: JSONSchema): Resolve {
  return (ref) => {
    if (!ref.startsWith("#")) return undefined;
    let node: unknown = root;
    for (const part of ref.slice(1).split("/").slice(1)) {
      const key = part.replaceAll("~1", "/").replaceAll("~0", "~");
      node = (node as Record<string, unknown> | undefined)?.[key];
    }
    return node as Schema | undefined;
  };
}

/** The type column: `string`, `integer[]`, `string | null`, `object`. */
export function typeOf(
  s: Schema,
  resolve: Resolve = () => undefined,
  seen: ReadonlySet<string> = new Set(),
): string {
  if (typeof s === "boolean") return s ? "any" : "never";
  if (typeof s.$ref === "string") {
    const target = seen.has(s.$ref) ? undefined : resolve(s.$ref);
    return target === undefined
      ? "any"
      : typeOf(target, resolve, new Set([...seen, s.$ref]));
  }
  const members = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (members !== undefined) {
    const types = members.map((m) => typeOf(m, resolve, seen));
    return [...new Set(types)].join(" | ");
  }
  const type = s.type;
  if (Array.isArray(type)) return type.join(" | ");
  if (type === "array") {
    const items = s.items;
    return typeof items === "object" && !Array.isArray(items)
      ? `${wrap(typeOf(items as Schema, resolve, seen))}[]`
      : "array";
  }
  if (typeof type === "string") return type;
  if (s.const !== undefined) return jsonType(s.const);
  if (Array.isArray(s.enum)) {
    return [...new Set(s.enum.map(jsonType))].join(" | ");
  }
  return "any";
}

function wrap(type: string): string {
  return type.includes(" | ") ? `(${type})` : type;
}

function jsonType(value: unknown): string {
  return value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : typeof value;
}

/** Default, constraints and description of one schema. */
function about(s: JSONSchema): Pick<FieldRow, "constraints"> & {
  default?: unknown;
  description?: string;
} {
  const c: string[] = [];
  const json = JSON.stringify;
  if (s.const !== undefined) c.push(`= ${json(s.const)}`);
  if (Array.isArray(s.enum)) {
    c.push(`one of ${s.enum.map((v) => json(v)).join(", ")}`);
  }
  if (typeof s.format === "string") c.push(`format ${s.format}`);
  // A format's pattern is how zod checks it; the format says it better.
  else if (typeof s.pattern === "string") c.push(`pattern /${s.pattern}/`);
  const bound = (key: string, text: string, skip?: number) => {
    const v = s[key];
    if (typeof v === "number" && !(s.type === "integer" && v === skip)) {
      c.push(`${text} ${v}`);
    }
  };
  bound("minimum", ">=", -SAFE);
  bound("exclusiveMinimum", ">");
  bound("maximum", "<=", SAFE);
  bound("exclusiveMaximum", "<");
  bound("multipleOf", "multiple of");
  bound("minLength", "length >=");
  bound("maxLength", "length <=");
  bound("minItems", "items >=");
  bound("maxItems", "items <=");
  bound("minProperties", "keys >=");
  bound("maxProperties", "keys <=");
  if (s.uniqueItems === true) c.push("unique items");
  if (s.additionalProperties === false) c.push("no other keys");
  const names = s.propertyNames as JSONSchema | undefined;
  if (typeof names === "object" && names !== null) {
    const keys = about(names).constraints;
    if (keys.length > 0) c.push(`keys: ${keys.join(", ")}`);
  }
  return {
    constraints: c,
    ...(s.default === undefined ? {} : { default: s.default }),
    ...(typeof s.description === "string"
      ? { description: s.description }
      : {}),
  };
}
