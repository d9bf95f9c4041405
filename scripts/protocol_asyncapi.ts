/**
 * `deno task protocol:asyncapi`: writes the AsyncAPI 3.0 document of
 * `mcbEvents` on the nats transport (default settings) to
 * `protocol/mcb/asyncapi.json`, and its Markdown event reference to
 * `protocol/mcb/EVENTS.md`.
 *
 * `--check` writes nothing: it exits 1 when a file differs from what would
 * be written (naming the first differing line).
 *
 * @module
 */
import { mcbEvents } from "../mod.ts";
import { asyncApiDocument, eventReference } from "../src/protocol/mod.ts";
import deno from "../deno.json" with { type: "json" };

/** The AsyncAPI document, relative to the repository root. */
export const ASYNCAPI_FILE = "protocol/mcb/asyncapi.json";
/** The event reference, relative to the repository root. */
export const EVENTS_FILE = "protocol/mcb/EVENTS.md";

const TITLE = "Memory Context Browser events";

/** The AsyncAPI document's text, as committed (2-space JSON). */
export function asyncApiText(): string {
  const doc = asyncApiDocument(mcbEvents, {
    title: TITLE,
    version: deno.version,
    id: "urn:mcb:events",
    description: `The events of Memory Context Browser: \`mcbEvents\` of ` +
      `${deno.name}, on the nats transport with its default settings.`,
    servers: {
      nats: {
        host: "localhost:8080",
        protocol: "ws",
        description: "nats-server WebSocket listener (the nats transport " +
          "connects over WebSocket; JetStream enabled).",
      },
    },
  });
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The event reference's text, as committed. */
export function eventsText(): string {
  return eventReference(mcbEvents, {
    title: TITLE,
    intro: `Generated from \`mcbEvents\` by \`deno task protocol:asyncapi\` ` +
      `(with [asyncapi.json](asyncapi.json)); do not edit.`,
  });
}

/** Every file the task writes: repository-relative path -> text. */
export function protocolFiles(): Record<string, string> {
  return { [ASYNCAPI_FILE]: asyncApiText(), [EVENTS_FILE]: eventsText() };
}

/** Where two texts first differ, as "line N". */
function firstDifference(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return `line ${i + 1}`;
}

async function readOrEmpty(url: URL): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url);
  const check = Deno.args.includes("--check");
  let stale = 0;
  for (const [path, text] of Object.entries(protocolFiles())) {
    const url = new URL(path, root);
    if (check) {
      const committed = await readOrEmpty(url);
      if (committed === text) continue;
      stale++;
      console.error(
        committed === undefined
          ? `${path} is missing`
          : `${path} differs from the generated text at ${
            firstDifference(committed, text)
          }`,
      );
    } else {
      await Deno.mkdir(new URL(".", url), { recursive: true });
      await Deno.writeTextFile(url, text);
      console.log(`wrote ${path}`);
    }
  }
  if (stale > 0) {
    console.error("run `deno task protocol:asyncapi` to regenerate");
    Deno.exit(1);
  }
}
