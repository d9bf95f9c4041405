/**
 * The `data` of each Memory Context Browser event. Field names follow that
 * system (snake_case); counts are non-negative integers.
 *
 * @module
 */

/** `index.rebuild`: a rebuild of the search index was requested. */
export interface IndexRebuild {
  /** The collection to rebuild; all when absent. */
  collection?: string | undefined;
}

/** `indexing.started`: indexing of a collection began. */
export interface IndexingStarted {
  /** The collection being indexed. */
  collection: string;
  /** Files to index. */
  total_files: number;
}

/** `indexing.progress`: indexing processed more files. */
export interface IndexingProgress {
  /** The collection being indexed. */
  collection: string;
  /** Files processed so far. */
  processed: number;
  /** Files in all. */
  total: number;
  /** The file being processed, if known. */
  current_file?: string | null | undefined;
}

/** `indexing.completed`: indexing of a collection finished. */
export interface IndexingCompleted {
  /** The collection indexed. */
  collection: string;
  /** Chunks stored. */
  chunks: number;
  /** How long it took. */
  duration_ms: number;
}

/** `sync.completed`: a codebase sync finished. */
export interface SyncCompleted {
  /** The synced path. */
  path: string;
  /** Files that changed. */
  files_changed: number;
}

/** `cache.invalidate`: caches must drop entries. */
export interface CacheInvalidate {
  /** The namespace to clear; all when absent. */
  namespace?: string | undefined;
}

/** `snapshot.created`: a file-system snapshot was taken. */
export interface SnapshotCreated {
  /** The root path of the snapshot. */
  root_path: string;
  /** Files in the snapshot, if counted. */
  file_count?: number | undefined;
}

/** `files.changes_detected`: file changes were found under a root. */
export interface FileChangesDetected {
  /** The watched root path. */
  root_path: string;
  /** Files added. */
  added: number;
  /** Files modified. */
  modified: number;
  /** Files removed. */
  removed: number;
}

/** `service.state_changed`: a service changed lifecycle state. */
export interface ServiceStateChanged {
  /** The service. */
  name: string;
  /** Its new state. */
  state: string;
  /** Its state before, if known. */
  previous_state?: string | null | undefined;
}

/** `config.reloaded`: a configuration section was reloaded. */
export interface ConfigReloaded {
  /** The section. */
  section: string;
}

/** `health.check_completed`: a health check over all services finished. */
export interface HealthCheckCompleted {
  /** Overall status, e.g. `healthy`, `degraded`. */
  status: string;
  /** Healthy services. */
  healthy_count: number;
  /** Unhealthy services. */
  unhealthy_count: number;
}

/** `metrics.snapshot`: metric name -> value. Ephemeral on nats. */
export type MetricsSnapshot = Record<string, number>;

/** `search.executed`: a search ran. */
export interface SearchExecuted {
  /** The query text. */
  query: string;
  /** The collection searched. */
  collection: string;
  /** Results returned. */
  results: number;
  /** How long it took. */
  duration_ms: number;
}
