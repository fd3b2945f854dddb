import type { Database } from "bun:sqlite";

/**
 * Forward-only schema migrations. `version` is what `PRAGMA user_version` reads once the
 * migration has run. Never edit a released migration: add the next one.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly up: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "peer registry, sessions, deaths and wake locks",
    up: (db) =>
      db.run(`
        CREATE TABLE peers (
          personality     TEXT PRIMARY KEY,
          cwd             TEXT NOT NULL UNIQUE,
          default_runtime TEXT NOT NULL,
          runtimes        TEXT NOT NULL,
          description     TEXT NOT NULL DEFAULT '',
          intelligence    TEXT NOT NULL,
          wake            TEXT NOT NULL DEFAULT 'on-demand',
          stopped         INTEGER NOT NULL DEFAULT 0,
          failed_until    TEXT,
          backoff_level   INTEGER NOT NULL DEFAULT 0,
          profile         TEXT NOT NULL,
          updated_at      TEXT NOT NULL
        ) STRICT;
        CREATE TABLE sessions (
          identity       TEXT PRIMARY KEY,
          personality    TEXT NOT NULL,
          runtime        TEXT NOT NULL,
          state          TEXT NOT NULL,
          socket         TEXT NOT NULL,
          server_pid     INTEGER,
          server_token   TEXT,
          pane_pid       INTEGER,
          started_at     TEXT,
          last_active_at TEXT,
          resume         INTEGER NOT NULL DEFAULT 0,
          updated_at     TEXT NOT NULL
        ) STRICT;
        CREATE INDEX sessions_personality ON sessions(personality);
        CREATE TABLE deaths (
          id          INTEGER PRIMARY KEY AUTOINCREMENT,
          identity    TEXT NOT NULL,
          personality TEXT NOT NULL,
          ts          TEXT NOT NULL,
          class       TEXT NOT NULL,
          status      INTEGER,
          signal      TEXT,
          detail      TEXT
        ) STRICT;
        CREATE INDEX deaths_identity_ts ON deaths(identity, ts);
        CREATE TABLE wake_locks (
          identity    TEXT PRIMARY KEY,
          owner       TEXT NOT NULL,
          pid         INTEGER NOT NULL,
          pid_token   TEXT,
          acquired_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
        CREATE TABLE peer_tokens (
          personality TEXT PRIMARY KEY,
          token_hash  TEXT NOT NULL UNIQUE,
          created_at  TEXT NOT NULL
        ) STRICT;
      `),
  },
  {
    version: 2,
    description: "durable messages and the event journal",
    up: (db) =>
      db.run(`
        CREATE TABLE messages (
          seq          INTEGER PRIMARY KEY AUTOINCREMENT,
          id           TEXT NOT NULL UNIQUE,
          client_key   TEXT UNIQUE,
          sender       TEXT NOT NULL,
          recipient    TEXT NOT NULL,
          runtime      TEXT,
          topic        TEXT,
          body         TEXT NOT NULL,
          attachments  TEXT NOT NULL DEFAULT '[]',
          state        TEXT NOT NULL,
          attempts     INTEGER NOT NULL DEFAULT 0,
          woke         INTEGER NOT NULL DEFAULT 0,
          error        TEXT,
          created_at   TEXT NOT NULL,
          updated_at   TEXT NOT NULL,
          typed_at     TEXT,
          delivered_at TEXT
        ) STRICT;
        CREATE INDEX messages_recipient_state ON messages(recipient, state, seq);
        CREATE TABLE events (
          id       INTEGER PRIMARY KEY AUTOINCREMENT,
          ts       TEXT NOT NULL,
          ev       TEXT NOT NULL,
          identity TEXT,
          fields   TEXT NOT NULL DEFAULT '{}'
        ) STRICT;
        CREATE INDEX events_ts ON events(ts);
      `),
  },
  {
    version: 3,
    description: "idempotency keys scoped to their sender and recipient",
    // SQLite cannot drop a column's UNIQUE: the table is rebuilt, rows and seq kept.
    up: (db) =>
      db.run(`
        CREATE TABLE messages_v3 (
          seq          INTEGER PRIMARY KEY AUTOINCREMENT,
          id           TEXT NOT NULL UNIQUE,
          client_key   TEXT,
          sender       TEXT NOT NULL,
          recipient    TEXT NOT NULL,
          runtime      TEXT,
          topic        TEXT,
          body         TEXT NOT NULL,
          attachments  TEXT NOT NULL DEFAULT '[]',
          state        TEXT NOT NULL,
          attempts     INTEGER NOT NULL DEFAULT 0,
          woke         INTEGER NOT NULL DEFAULT 0,
          error        TEXT,
          created_at   TEXT NOT NULL,
          updated_at   TEXT NOT NULL,
          typed_at     TEXT,
          delivered_at TEXT
        ) STRICT;
        INSERT INTO messages_v3 SELECT * FROM messages;
        DROP TABLE messages;
        ALTER TABLE messages_v3 RENAME TO messages;
        CREATE INDEX messages_recipient_state ON messages(recipient, state, seq);
        CREATE UNIQUE INDEX messages_client_key ON messages(sender, recipient, client_key)
          WHERE client_key IS NOT NULL;
      `),
  },
  {
    version: 4,
    description: "the moment a message's paste began, so a crash during it is never typed twice",
    up: (db) => db.run("ALTER TABLE messages ADD COLUMN typing_at TEXT"),
  },
  {
    version: 5,
    description: "messages that cross hosts: forwarded by this host, or taken from another",
    up: (db) =>
      db.run(`
        ALTER TABLE messages ADD COLUMN to_host TEXT;
        ALTER TABLE messages ADD COLUMN from_host TEXT;
        ALTER TABLE messages ADD COLUMN sender_runtime TEXT;
        ALTER TABLE messages ADD COLUMN sender_intelligence TEXT;
        ALTER TABLE messages ADD COLUMN expires_at TEXT;
        ALTER TABLE messages ADD COLUMN forwarded_at TEXT;
        ALTER TABLE messages ADD COLUMN receipt_outcome TEXT;
        CREATE INDEX messages_outbound ON messages(state, seq) WHERE to_host IS NOT NULL;
        CREATE INDEX messages_receipts_due ON messages(seq)
          WHERE from_host IS NOT NULL AND receipt_outcome IS NOT state;
      `),
  },
  {
    version: 6,
    description:
      "what each agent is doing (from its own hooks, else its screen), receipts up to its answer, and conversations' hops",
    up: (db) =>
      db.run(`
        CREATE TABLE agent_states (
          identity      TEXT PRIMARY KEY,
          state         TEXT NOT NULL,
          source        TEXT NOT NULL,
          since         TEXT NOT NULL,
          detail        TEXT,
          turn          TEXT NOT NULL DEFAULT '[]',
          agent_session TEXT,
          transcript    TEXT,
          updated_at    TEXT NOT NULL
        ) STRICT;
        ALTER TABLE messages ADD COLUMN received_at TEXT;
        ALTER TABLE messages ADD COLUMN answered_at TEXT;
        ALTER TABLE messages ADD COLUMN reply TEXT;
        ALTER TABLE messages ADD COLUMN turn_error TEXT;
        ALTER TABLE messages ADD COLUMN turn_failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN conversation TEXT;
        ALTER TABLE messages ADD COLUMN hops INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE messages ADD COLUMN held TEXT;
        DROP INDEX messages_receipts_due;
        CREATE INDEX messages_receipts_due ON messages(seq)
          WHERE from_host IS NOT NULL AND receipt_outcome IS NOT (CASE WHEN answered_at IS NOT NULL THEN state || ':answered'
            WHEN received_at IS NOT NULL THEN state || ':received' ELSE state END);
      `),
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
