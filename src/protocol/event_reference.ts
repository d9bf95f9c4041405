/**
 * A Markdown reference of a catalog's events, for a README: per type its
 * description, subject, delivery, versions and a table of the fields of
 * `data`, written from the same facts as the AsyncAPI document.
 *
 * @module
 */
import type { EventCatalog } from "../core/catalog.ts";
import { versionJSONSchema } from "./json_schema.ts";
import {
  catalogFacts,
  resolveTransport,
  type TransportSettings,
  type TypeFacts,
  type VersionFacts,
} from "./transport.ts";
import { type FieldRow, schemaFields } from "./_fields.ts";
import { deliveryBrief, protocolText } from "./_texts.ts";
import { cell, code, list, paragraph, table } from "./_markdown.ts";

/** Options of {@linkcode eventReference}. */
export interface EventReferenceOptions extends TransportSettings {
  /** The title. @default {"Event reference"} */
  title?: string;
  /** A Markdown paragraph after the title (before the protocol summary). */
  intro?: string;
  /**
   * The title's heading level; each type gets the next one.
   *
   * @default {1}
   */
  headingLevel?: 1 | 2 | 3 | 4 | 5;
}

/**
 * The Markdown reference of `catalog`'s events: a summary of the protocol,
 * a table of contents, then per type its description, NATS subject and
 * delivery, current version and `dataschema`, the older versions consumers
 * read (upcast from each to the next), and the fields of `data` at each
 * version (`a.b` for nested objects, `a[]` for array items, `a.<key>` for
 * record values) with type, required, default, constraints and
 * description. The same catalog and settings give the same text.
 *
 * @param catalog The event catalog.
 * @param options Title, intro, heading level and transport settings (the
 * nats transport's defaults apply).
 * @returns Markdown, ending with a newline.
 * @throws {TypeError} for malformed settings, a type reserved by the nats
 * transport (`dlq`), or a data schema that JSON Schema cannot express.
 *
 * @example
 * ```ts
 * import { mcbEvents } from "@mcb/event-bus";
 * import { eventReference } from "@mcb/event-bus/protocol";
 *
 * const markdown = eventReference(mcbEvents, { headingLevel: 2 });
 * console.log(markdown.startsWith("## Event reference")); // true
 * console.log(markdown.includes("| `total_files` | `integer` | yes ")); // true
 * ```
 */
export function eventReference(
  catalog: EventCatalog,
  options: EventReferenceOptions = {},
): string {
  const transport = resolveTransport(options);
  const facts = catalogFacts(catalog, transport);
  const level = options.headingLevel ?? 1;
  const title = options.title ?? "Event reference";
  const slug = slugger();
  slug(title);
  const anchors = new Map(facts.map((f) => [f.type, slug(code(f.type))]));
  const heading = (n: number, text: string) => `${"#".repeat(n)} ${text}`;
  const out = [heading(level, title)];
  if (options.intro) out.push(paragraph(options.intro));
  out.push(paragraph(protocolText(transport)));
  out.push(table(
    ["Event", "Delivery", "Version", "Description"],
    facts.map((f) => [
      `[${code(f.type)}](#${anchors.get(f.type)})`,
      f.ephemeral ? "ephemeral" : "persistent",
      String(f.versions[f.versions.length - 1].version),
      cell(f.description ?? ""),
    ]),
  ));
  for (const f of facts) {
    out.push(heading(level + 1, code(f.type)));
    out.push(...section(catalog, f, deliveryBrief(f, transport)));
  }
  return `${out.join("\n\n")}\n`;
}

function section(
  catalog: EventCatalog,
  f: TypeFacts,
  delivery: string,
): string[] {
  const current = f.versions[f.versions.length - 1];
  const older = f.versions.slice(0, -1);
  const out: string[] = [];
  if (f.description) out.push(paragraph(f.description));
  const facts = [
    `Subject: ${code(f.subject)}`,
    `Delivery: ${delivery}`,
    `Version: ${current.version}, dataschema ${code(current.uri)}` +
    (f.versioned
      ? " (publishers send it in `dataschema`)"
      : " (not sent: the type is not versioned)"),
  ];
  if (older.length > 0) {
    const upcasts = older.map((v) =>
      `v${v.version} (upcast from v${v.version} to v${v.version + 1})`
    );
    facts.push(`Also reads: ${upcasts.join(", ")}`);
  }
  out.push(list(facts));
  const label = f.versions.length === 1 && !f.versioned
    ? "Fields"
    : `Fields of version ${current.version}`;
  out.push(fields(catalog, f, current, label));
  for (const v of [...older].reverse()) {
    out.push(
      fields(
        catalog,
        f,
        v,
        `Fields of version ${v.version} (${
          code(v.uri)
        }; upcast from v${v.version} to v${v.version + 1})`,
      ),
    );
  }
  return out;
}

function fields(
  catalog: EventCatalog,
  f: TypeFacts,
  v: VersionFacts,
  label: string,
): string {
  const rows = schemaFields(versionJSONSchema(catalog, f.type, v.version));
  if (rows.length === 0) return paragraph(`${label}: none.`);
  return `${paragraph(`${label}:`)}\n\n${
    table(
      ["Field", "Type", "Required", "Default", "Constraints", "Description"],
      rows.map(fieldCells),
    )
  }`;
}

function fieldCells(row: FieldRow): string[] {
  return [
    code(row.path),
    code(row.type),
    row.required === undefined ? "" : row.required ? "yes" : "no",
    row.default === undefined ? "" : code(JSON.stringify(row.default)),
    row.constraints.map(code).join(", "),
    cell(row.description ?? ""),
  ];
}

/**
 * GitHub's heading anchors (github-slugger): lower case, punctuation
 * dropped, spaces to `-`, and `-1`, `-2`, ... on a repeat.
 */
function slugger(): (heading: string) => string {
  const occurrences = new Map<string, number>();
  return (heading) => {
    const base = heading.toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
      .replaceAll(" ", "-");
    let slug = base;
    while (occurrences.has(slug)) {
      const n = occurrences.get(base)! + 1;
      occurrences.set(base, n);
      slug = `${base}-${n}`;
    }
    occurrences.set(slug, 0);
    return slug;
  };
}
