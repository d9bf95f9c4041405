/**
 * Test helper (not a test file): a 3-node nats-server cluster on loopback,
 * each node with JetStream (its own store dir) and a WebSocket listener.
 *
 * Built on `tests/nats_server.ts`: each node is a `startNatsServer()` whose
 * `extraConfig` adds `server_name` and the `cluster { }` block (the route
 * ports are picked first, so every node can list the others' routes).
 *
 * ```ts ignore
 * await using cluster = await startNatsCluster();
 * wsconnect({ servers: cluster.wsUrls });
 * await cluster.node("n1").kill();
 * await cluster.node("n1").start();
 * ```
 * @module
 */

import {
  freePort,
  type NatsServer,
  type NatsServerOptions,
  startNatsServer,
} from "../nats_server.ts";

const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 20_000;

/** One node of the cluster. */
export interface ClusterNode {
  /** `server_name`, e.g. `n1`. */
  readonly name: string;
  /** Route (cluster) port. */
  readonly routePort: number;
  /** The node's server process. */
  readonly server: NatsServer;
}

/** A running cluster; `await using` stops every node and removes its files. */
export interface NatsCluster extends AsyncDisposable {
  /** Cluster name. */
  readonly name: string;
  /** The nodes, in start order. */
  readonly nodes: readonly ClusterNode[];
  /** Every node's `ws://` URL. */
  readonly wsUrls: string[];
  /** The node named `name` (throws if there is none). */
  node(name: string): ClusterNode;
  /**
   * The node whose client or WebSocket port appears in `server` (the form
   * `nc.getServer()` returns, e.g. `127.0.0.1:4222` or `ws://127.0.0.1:8080`).
   */
  nodeOf(server: string): ClusterNode | undefined;
  /**
   * Resolves once every running node reports healthy (`/healthz`: JetStream
   * has a meta leader and the node is current); stopped nodes are skipped.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Every node's last logs, each under a header. */
  logs(): string;
}

/** Options of {@linkcode startNatsCluster}. */
export interface NatsClusterOptions {
  /** Cluster name. @default {"TEST"} */
  name?: string;
  /** Number of nodes. @default {3} */
  size?: number;
  /** Options passed to every node (not `ports` or `storeDir`). */
  node?: Omit<NatsServerOptions, "ports" | "storeDir">;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The generated per-node part of the config. */
export function clusterConfig(
  name: string,
  cluster: string,
  routePort: number,
  peers: number[],
): string {
  const routes = peers.map((p) => JSON.stringify(`nats-route://${HOST}:${p}`));
  return [
    `server_name: ${JSON.stringify(name)}`,
    `cluster {`,
    `  name: ${JSON.stringify(cluster)}`,
    `  listen: ${JSON.stringify(`${HOST}:${routePort}`)}`,
    `  routes: [${routes.join(", ")}]`,
    `}`,
  ].join("\n");
}

/**
 * Starts the nodes at once (a lone JetStream node never reports healthy
 * without a meta leader, so they cannot be started one by one) and waits
 * until the cluster is healthy.
 */
export async function startNatsCluster(
  options: NatsClusterOptions = {},
): Promise<NatsCluster> {
  const cluster = options.name ?? "TEST";
  const size = options.size ?? 3;
  const routePorts: number[] = [];
  while (routePorts.length < size) {
    const port = await freePort();
    if (!routePorts.includes(port)) routePorts.push(port);
  }
  const started = await Promise.allSettled(
    routePorts.map((routePort, i) =>
      startNatsServer({
        ...options.node,
        extraConfig: [
          options.node?.extraConfig ?? "",
          clusterConfig(
            `n${i + 1}`,
            cluster,
            routePort,
            routePorts.filter((p) => p !== routePort),
          ),
        ].join("\n"),
      })
    ),
  );
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    for (const s of started) {
      if (s.status === "fulfilled") await s.value[Symbol.asyncDispose]();
    }
    throw (failed as PromiseRejectedResult).reason;
  }
  const nodes: ClusterNode[] = started.map((s, i) => ({
    name: `n${i + 1}`,
    routePort: routePorts[i],
    server: (s as PromiseFulfilledResult<NatsServer>).value,
  }));
  const handle = new Cluster(cluster, nodes);
  try {
    await handle.waitHealthy();
  } catch (error) {
    await handle[Symbol.asyncDispose]();
    throw error;
  }
  return handle;
}

class Cluster implements NatsCluster {
  constructor(readonly name: string, readonly nodes: ClusterNode[]) {}

  get wsUrls(): string[] {
    return this.nodes.map((n) => n.server.wsUrl);
  }

  node(name: string): ClusterNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no cluster node named ${name}`);
    return node;
  }

  nodeOf(server: string): ClusterNode | undefined {
    const port = Number(/:(\d+)\/?$/.exec(server)?.[1]);
    return this.nodes.find((n) =>
      n.server.wsPort === port || n.server.port === port
    );
  }

  async waitHealthy(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      const states = await Promise.all(this.nodes.map(async (n) => {
        if (!n.server.running) return `${n.name}: down`;
        try {
          const res = await fetch(
            `http://${HOST}:${n.server.monitorPort}/healthz`,
            { signal: AbortSignal.timeout(1000) },
          );
          const body = await res.text();
          return res.status === 200 ? "" : `${n.name}: ${body.trim()}`;
        } catch (error) {
          return `${n.name}: ${(error as Error).message}`;
        }
      }));
      last = states.filter((s) => s !== "" && !s.endsWith("down")).join("; ");
      if (last === "") return;
      await sleep(100);
    }
    throw new Error(
      `cluster not healthy after ${timeoutMs} ms: ${last}\n${this.logs()}`,
    );
  }

  logs(): string {
    return this.nodes.map((n) =>
      `--- ${n.name} ---\n${n.server.logs().slice(-20_000)}`
    ).join("\n");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server[Symbol.asyncDispose]()));
  }
}
