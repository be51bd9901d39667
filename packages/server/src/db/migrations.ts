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
  /* 2: accounts, sessions, audit, installations and their outbox */ `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'technician')),
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  -- Bearer tokens are stored hashed: a copy of the database does not sign anyone in.
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_seen_at TEXT NOT NULL,
    workstation TEXT,
    address TEXT
  ) WITHOUT ROWID;
  CREATE INDEX sessions_user ON sessions (user_id);

  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    actor TEXT,
    address TEXT,
    details TEXT
  );

  CREATE TABLE installations (
    id TEXT PRIMARY KEY,
    vin TEXT NOT NULL,
    package_ids TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('SUCCESS', 'FAILURE')),
    failure_reason TEXT,
    note TEXT,
    key_id TEXT,
    workstation TEXT,
    technician TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body_hash TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX installations_vin ON installations (vin);
  CREATE INDEX installations_received ON installations (received_at);

  -- One row per confirmation to upload to the carmaker; deleted never, marked sent.
  CREATE TABLE outbox (
    installation_id TEXT PRIMARY KEY REFERENCES installations (id),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    sent_at TEXT
  ) WITHOUT ROWID;
  CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

  -- Installed versions confirmed at this dealership, laid over the signed registry.
  CREATE TABLE vehicle_updates (
    vin TEXT PRIMARY KEY,
    soft_version TEXT,
    map_version TEXT,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  /* 3: the root version a published catalog was verified under, so the box never serves a newer root early */ `
  ALTER TABLE catalogs ADD COLUMN root_version INTEGER;
  `,
];
