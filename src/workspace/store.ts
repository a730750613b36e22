/**
 * The workspace store: one SQLite file (WORKSPACE/workspace.sqlite) holding
 * users, sessions, API tokens, partners, the registered runs and their leads,
 * cases with their events, reports filed by rights holders, and the audit
 * log. SQLite in WAL mode: every write is a transaction, a reader never
 * blocks the writer, and a process killed mid-write leaves the last
 * committed state (docs/workspace.md).
 *
 * Why SQLite and not the analysis' DuckDB: the workspace is many small
 * transactions from a long-running server, read by other processes at the
 * same time (`workspace backup`, `audit verify`); DuckDB locks its file to
 * one writing process and is built for the opposite workload.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { UserError } from '../errors.ts';

export type Sql = BetterSqlite3.Database;

export const STORE_FILE = 'workspace.sqlite';
/** Bumped with each change below; a store from a newer Dragnet is refused, an older one migrated. */
export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE users (
  user_id     INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  role        TEXT NOT NULL,
  agency_id   TEXT,
  brands      TEXT NOT NULL DEFAULT '[]',
  password    TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  disabled_at TEXT
);

CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(user_id),
  csrf        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);

CREATE TABLE tokens (
  token_id    INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(user_id),
  token_hash  TEXT NOT NULL UNIQUE,
  label       TEXT,
  created_at  TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at  TEXT
);

CREATE TABLE partners (
  partner_id   TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  jurisdiction TEXT NOT NULL,
  categories   TEXT NOT NULL,
  valid_from   TEXT,
  valid_to     TEXT,
  created_at   TEXT NOT NULL
);

CREATE TABLE runs (
  run_id       INTEGER PRIMARY KEY,
  out_dir      TEXT NOT NULL,
  label        TEXT NOT NULL,
  dataset_name TEXT,
  method       TEXT,
  started_at   TEXT,
  data_end     TEXT,
  timezone     TEXT NOT NULL,
  currency     TEXT,
  leads        INTEGER NOT NULL,
  run_json     TEXT NOT NULL,
  imported_at  TEXT NOT NULL
);

CREATE TABLE leads (
  run_id      INTEGER NOT NULL REFERENCES runs(run_id),
  lead_id     TEXT NOT NULL,
  rank        INTEGER NOT NULL,
  score       REAL NOT NULL,
  lat         REAL NOT NULL,
  lng         REAL NOT NULL,
  radius_m    REAL NOT NULL,
  status      TEXT NOT NULL,
  successor_lead_id TEXT,
  waybills    INTEGER NOT NULL,
  night_share REAL NOT NULL,
  first_seen  TEXT NOT NULL,
  last_seen   TEXT NOT NULL,
  est_value   REAL NOT NULL,
  seller_ids  TEXT NOT NULL,
  network_ids TEXT NOT NULL,
  brands      TEXT NOT NULL,
  categories  TEXT NOT NULL,
  evidence    TEXT NOT NULL,
  item        TEXT NOT NULL
);
-- An ordinary (rowid) table: its rows are wide, and the indexes below find a page of them without walking the rest.
CREATE UNIQUE INDEX leads_id ON leads (run_id, lead_id);
CREATE INDEX leads_rank ON leads (run_id, rank, lead_id);
CREATE INDEX leads_score ON leads (run_id, score);
CREATE INDEX leads_place ON leads (run_id, lng, lat, rank);

-- A lead's detail (parcels by day and hour, handover points, accounts, identifiers, listings), read one lead at a time.
CREATE TABLE lead_details (
  run_id  INTEGER NOT NULL,
  lead_id TEXT NOT NULL,
  detail  TEXT NOT NULL,
  PRIMARY KEY (run_id, lead_id)
);

CREATE TABLE lead_brands (
  run_id  INTEGER NOT NULL,
  lead_id TEXT NOT NULL,
  brand   TEXT NOT NULL,
  PRIMARY KEY (run_id, brand, lead_id)
) WITHOUT ROWID;

CREATE TABLE cases (
  case_id     INTEGER PRIMARY KEY,
  title       TEXT NOT NULL,
  state       TEXT NOT NULL,
  run_id      INTEGER NOT NULL,
  lead_id     TEXT NOT NULL,
  lat         REAL NOT NULL,
  lng         REAL NOT NULL,
  radius_m    REAL NOT NULL,
  score       REAL NOT NULL,
  seller_ids  TEXT NOT NULL,
  network_ids TEXT NOT NULL,
  brands      TEXT NOT NULL,
  categories  TEXT NOT NULL,
  assignee_id INTEGER REFERENCES users(user_id),
  partner_id  TEXT REFERENCES partners(partner_id),
  outcome     TEXT,
  dismiss_reason TEXT,
  created_by  INTEGER NOT NULL REFERENCES users(user_id),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX cases_state ON cases (state);
CREATE INDEX cases_partner ON cases (partner_id);

CREATE TABLE case_leads (
  case_id   INTEGER NOT NULL REFERENCES cases(case_id),
  run_id    INTEGER NOT NULL,
  lead_id   TEXT NOT NULL,
  relation  TEXT NOT NULL,
  linked_at TEXT NOT NULL,
  PRIMARY KEY (case_id, run_id, lead_id)
) WITHOUT ROWID;
CREATE INDEX case_leads_lead ON case_leads (run_id, lead_id);

-- Moves whenever a case or its links change, whichever process changed them: readers cache what depends on cases by it.
CREATE TRIGGER cases_insert AFTER INSERT ON cases BEGIN UPDATE meta SET value = value + 1 WHERE key = 'cases_version'; END;
CREATE TRIGGER cases_update AFTER UPDATE ON cases BEGIN UPDATE meta SET value = value + 1 WHERE key = 'cases_version'; END;
CREATE TRIGGER cases_delete AFTER DELETE ON cases BEGIN UPDATE meta SET value = value + 1 WHERE key = 'cases_version'; END;
CREATE TRIGGER case_leads_insert AFTER INSERT ON case_leads BEGIN UPDATE meta SET value = value + 1 WHERE key = 'cases_version'; END;

CREATE TABLE case_events (
  event_id   INTEGER PRIMARY KEY,
  case_id    INTEGER NOT NULL REFERENCES cases(case_id),
  at         TEXT NOT NULL,
  user_id    INTEGER REFERENCES users(user_id),
  kind       TEXT NOT NULL,
  from_state TEXT,
  to_state   TEXT,
  comment    TEXT NOT NULL DEFAULT '',
  data       TEXT
);
CREATE INDEX case_events_case ON case_events (case_id, event_id);

CREATE TABLE reports (
  report_id   TEXT PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(user_id),
  brand       TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id   TEXT NOT NULL,
  source      TEXT NOT NULL,
  verdict     TEXT NOT NULL,
  note        TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL
);

CREATE TABLE audit (
  seq         INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  user_id     INTEGER,
  user_name   TEXT,
  role        TEXT,
  ip          TEXT,
  action      TEXT NOT NULL,
  object_type TEXT,
  object_id   TEXT,
  detail      TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX audit_object ON audit (object_type, object_id);
`;

/**
 * Changes to the schema, each taking the store from version i+1 to i+2 (a
 * new store runs them all after SCHEMA). Only additions: a store keeps its
 * rows through every migration.
 */
const MIGRATIONS: readonly string[] = [
  // 2: impact (issue 12). A run's impact/ files (results contract), its
  // dataset's programme tables and outcomes as the run read them, and
  // notifications to users (a resurfacing on their case).
  `
CREATE TABLE impact_deterrence (
  run_id      INTEGER NOT NULL REFERENCES runs(run_id),
  outcome_id  TEXT NOT NULL,
  lead_id     TEXT NOT NULL,
  distance_m  REAL NOT NULL,
  per_day_before REAL NOT NULL,
  per_day_after  REAL NOT NULL,
  paused_days INTEGER NOT NULL,
  status_after TEXT NOT NULL,
  PRIMARY KEY (run_id, outcome_id, lead_id)
) WITHOUT ROWID;

CREATE TABLE impact_resurfacings (
  run_id      INTEGER NOT NULL REFERENCES runs(run_id),
  from_lead_id TEXT NOT NULL,
  to_lead_id  TEXT NOT NULL,
  network_id  TEXT NOT NULL,
  quiet_from  TEXT NOT NULL,
  resumed_at  TEXT NOT NULL,
  distance_m  REAL NOT NULL,
  evidence    TEXT NOT NULL,
  case_id     INTEGER REFERENCES cases(case_id),
  PRIMARY KEY (run_id, from_lead_id, to_lead_id)
) WITHOUT ROWID;

CREATE TABLE impact_candidates (
  run_id     INTEGER NOT NULL REFERENCES runs(run_id),
  rank       INTEGER NOT NULL,
  seller_id  TEXT NOT NULL,
  factory_id TEXT,
  score      REAL NOT NULL,
  evidence   TEXT NOT NULL,
  PRIMARY KEY (run_id, seller_id)
) WITHOUT ROWID;

CREATE TABLE impact_turnover (
  run_id    INTEGER NOT NULL REFERENCES runs(run_id),
  belt_id   TEXT NOT NULL,
  date      TEXT NOT NULL,
  category  TEXT NOT NULL,
  turnover  REAL NOT NULL,
  orders    INTEGER NOT NULL,
  PRIMARY KEY (run_id, belt_id, date, category)
) WITHOUT ROWID;

CREATE TABLE impact_capacity (
  run_id     INTEGER NOT NULL REFERENCES runs(run_id),
  factory_id TEXT NOT NULL,
  seller_id  TEXT NOT NULL DEFAULT '',
  lead_id    TEXT NOT NULL DEFAULT '',
  network_id TEXT,
  link       TEXT NOT NULL,
  evidence   TEXT NOT NULL,
  PRIMARY KEY (run_id, factory_id, seller_id, lead_id, link)
) WITHOUT ROWID;

CREATE TABLE run_belts (
  run_id     INTEGER NOT NULL REFERENCES runs(run_id),
  belt_id    TEXT NOT NULL,
  name       TEXT NOT NULL,
  city       TEXT,
  province   TEXT,
  categories TEXT NOT NULL,
  lat        REAL,
  lng        REAL,
  PRIMARY KEY (run_id, belt_id)
) WITHOUT ROWID;

CREATE TABLE run_factories (
  run_id     INTEGER NOT NULL REFERENCES runs(run_id),
  factory_id TEXT NOT NULL,
  belt_id    TEXT NOT NULL,
  name       TEXT,
  categories TEXT NOT NULL,
  oem_brands TEXT NOT NULL,
  capacity_per_month INTEGER,
  lat        REAL,
  lng        REAL,
  enrolled_at TEXT,
  seller_ids TEXT NOT NULL,
  PRIMARY KEY (run_id, factory_id)
) WITHOUT ROWID;

CREATE TABLE run_outcomes (
  run_id      INTEGER NOT NULL REFERENCES runs(run_id),
  outcome_id  TEXT NOT NULL,
  lat         REAL NOT NULL,
  lng         REAL NOT NULL,
  date        TEXT NOT NULL,
  result      TEXT NOT NULL,
  seized_value REAL,
  arrests     INTEGER,
  PRIMARY KEY (run_id, outcome_id)
) WITHOUT ROWID;

CREATE TABLE notifications (
  notification_id INTEGER PRIMARY KEY,
  user_id   INTEGER NOT NULL REFERENCES users(user_id),
  at        TEXT NOT NULL,
  kind      TEXT NOT NULL,
  case_id   INTEGER REFERENCES cases(case_id),
  message   TEXT NOT NULL,
  data      TEXT,
  read_at   TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, notification_id);

-- When the case's operation last resurfaced at a new site (impact-files.ts).
ALTER TABLE cases ADD COLUMN resurfaced_at TEXT;
`,
];

export interface OpenOptions {
  /** Create the folder and the store when missing (analyze, demo, user add); else a missing store is an error. */
  create?: boolean;
  readonly?: boolean;
}

/** The workspace folder with its store open. */
export class Workspace {
  private constructor(
    readonly dir: string,
    readonly sql: Sql,
  ) {}

  static open(dir: string, options: OpenOptions = {}): Workspace {
    const root = resolve(dir);
    const file = join(root, STORE_FILE);
    if (existsSync(root) && !statSync(root).isDirectory()) throw new UserError(`--workspace ${dir} is a file, not a folder`);
    if (!existsSync(file)) {
      if (!options.create) {
        throw new UserError(`no workspace at ${root} (${STORE_FILE} not found); create one with \`dragnet user add\` or \`dragnet analyze ... --workspace ${dir}\``);
      }
      mkdirSync(root, { recursive: true });
    }
    const sql = new BetterSqlite3(file, { readonly: options.readonly ?? false, timeout: 10_000 });
    if (!options.readonly) {
      // WAL: readers (backup, audit verify, a second server) never block the writer.
      // synchronous=FULL: a transaction acknowledged is on disk, even if the machine loses power.
      sql.pragma('journal_mode = WAL');
      sql.pragma('synchronous = FULL');
    }
    sql.pragma('foreign_keys = ON');
    const ws = new Workspace(root, sql);
    if (!options.readonly) ws.migrate();
    else ws.checkVersion();
    return ws;
  }

  private migrate(): void {
    const has = this.sql.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
    if (!has) {
      this.sql.transaction(() => {
        this.sql.exec(SCHEMA);
        for (const m of MIGRATIONS) this.sql.exec(m);
        const put = this.sql.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
        put.run('schema_version', String(SCHEMA_VERSION));
        put.run('created_at', new Date().toISOString());
        put.run('cases_version', '0');
        // Keys pseudonymous account ids in police referral packages; never leaves the store.
        put.run('pseudonym_key', randomBytes(32).toString('hex'));
      }).immediate();
      return;
    }
    this.checkVersion();
    const from = Number(this.meta('schema_version'));
    if (from < SCHEMA_VERSION) {
      this.tx(() => {
        for (const m of MIGRATIONS.slice(from - 1)) this.sql.exec(m);
        this.sql.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
      });
    }
  }

  private checkVersion(): void {
    const v = Number(this.meta('schema_version'));
    if (v > SCHEMA_VERSION) {
      throw new UserError(`workspace ${this.dir} was written by a newer Dragnet (store version ${v}, this one reads up to ${SCHEMA_VERSION})`);
    }
  }

  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  /**
   * A prepared statement, prepared once per SQL text and kept (preparing
   * costs more than running most of ours). Handed out in its default mode,
   * whatever an earlier caller set (pluck, raw), since callers share it.
   */
  prepare(sql: string): BetterSqlite3.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.sql.prepare(sql);
      this.statements.set(sql, st);
    } else if (st.reader) {
      st.pluck(false);
    }
    return st;
  }

  meta(key: string): string | undefined {
    return (this.prepare(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
  }

  /** Runs `fn` as one write transaction, taken at once (BEGIN IMMEDIATE) so that it never fails half-way on a busy lock. */
  tx<T>(fn: () => T): T {
    return this.sql.transaction(fn).immediate();
  }

  /**
   * A write transaction that is not flushed to disk on its own: it survives
   * the process being killed (it is in the WAL, in the OS's cache), and the
   * next ordinary commit flushes it, but a power cut in between may lose it.
   * For the audit entries of reads (views, searches), which happen on every
   * request: flushing each costs a millisecond of fsync, most of a lead
   * list's time.
   */
  lightTx<T>(fn: () => T): T {
    if (this.sql.readonly) return this.tx(fn);
    this.sql.pragma('synchronous = NORMAL');
    try {
      return this.tx(fn);
    } finally {
      this.sql.pragma('synchronous = FULL');
    }
  }

  /**
   * A consistent copy of the store while others write to it (SQLite's online
   * backup). All pages in one step, under one read transaction (which in WAL
   * mode blocks no writer): copied a hundred pages at a time, as by default,
   * the copy starts over whenever another connection commits between two
   * steps, and never finishes while a busy server keeps writing.
   */
  async backup(file: string): Promise<void> {
    await this.sql.backup(file, { progress: () => 0x7fffffff });
  }

  close(): void {
    if (this.sql.open) this.sql.close();
  }
}

/** SQLite's integrity check of a store file (a backup, say): 'ok' or what is wrong. */
export function checkStoreFile(file: string): string {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** JSON columns: arrays and objects stored as text. */
export const json = (v: unknown): string => JSON.stringify(v);
export const parseJson = <T>(s: string | null): T => (s === null ? (null as T) : (JSON.parse(s) as T));
export const now = (): string => new Date().toISOString();
