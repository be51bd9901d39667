/**
 * Schema migrations, append-only: entry N brings the schema from user_version N to N+1.
 * Plain SQL kept portable where it costs nothing, so a PostgreSQL layer can follow later.
 */
export const migrations: readonly string[] = [
  /* 1: content, mirror runs, vehicles */ `
  CREATE TABLE sync_runs (
    id INTEGER PRIMARY KEY,
    trigger TEXT NOT NULL,                      -- 'schedule' | 'manual' | 'start' | 'cli'
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'unchanged', 'failed')),
    snapshot_version INTEGER,
    files_total INTEGER NOT NULL DEFAULT 0,
    files_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_downloaded INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT
  );
  CREATE INDEX sync_runs_started ON sync_runs (started_at);

  -- Catalogs the mirror has published. Exactly one row is 'current' once content exists;
  -- switching rows is the atomic publication.
  CREATE TABLE catalogs (
    snapshot_version INTEGER PRIMARY KEY,
    targets_version INTEGER NOT NULL,
    timestamp_version INTEGER NOT NULL,
    catalog_sha256 TEXT NOT NULL,
    vehicles_sha256 TEXT,
    generated_at TEXT NOT NULL,
    published_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    package_count INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('current', 'previous', 'retired'))
  );
  CREATE UNIQUE INDEX catalogs_one_current ON catalogs (state) WHERE state = 'current';

  -- The signed vehicle registry of the current catalog, replaced at each publication.
  CREATE TABLE vehicles (
    vin TEXT PRIMARY KEY,
    brand TEXT NOT NULL,
    model TEXT NOT NULL,
    model_year INTEGER,
    head_unit TEXT NOT NULL,
    soft_version TEXT,
    map_version TEXT,
    map_region TEXT,
    open_campaigns TEXT NOT NULL DEFAULT '[]'
  ) WITHOUT ROWID;

  -- Blobs in the store, with when a catalog last referenced them (for garbage collection).
  CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    last_referenced_at TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
];
