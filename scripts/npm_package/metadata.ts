/**
 * The npm-only fields of package.json that deno.json has no place for. Name,
 * version, license, "exports" and dependency ranges come from deno.json; see
 * `package_json.ts`.
 * @module
 */

/** npm-only package.json fields. */
export interface NpmMetadata {
  description: string;
  keywords: string[];
  /** Omitted from package.json while undefined. */
  repository?: { type: "git"; url: string; directory?: string };
  engines: { node: string };
  /** Imported packages that the user brings (listed as peerDependencies). */
  peerDependencies: string[];
}

/** The values used by `deno task build:npm`. */
export const NPM_METADATA: NpmMetadata = {
  description:
    "A typed CloudEvents event bus: zod-validated events over EventTarget (local) or NATS WebSocket + JetStream, one contract.",
  keywords: [
    "event-bus",
    "cloudevents",
    "nats",
    "jetstream",
    "websocket",
    "eventtarget",
    "zod",
    "typescript",
    "pubsub",
  ],
  // The project has no public repository URL yet (no git remote). Set it here
  // once it has one; package.json gets it on the next build.
  repository: undefined,
  // Node 22 is the first Node with a global WebSocket (the nats transport).
  engines: { node: ">=22" },
  // zod's guidance for libraries: users bring their own zod 4.
  peerDependencies: ["zod"],
};
