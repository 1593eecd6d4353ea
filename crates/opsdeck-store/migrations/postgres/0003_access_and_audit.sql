-- Who may log in (users, API tokens, browser sessions), the clients each ingest batch touched
-- (so batches are listed within a caller's scope), and the hash-chained audit trail.

ALTER TABLE ingest_batch ADD COLUMN clients TEXT NOT NULL DEFAULT '[]'; -- JSON array of client ids

CREATE TABLE app_user (
    email         TEXT    NOT NULL PRIMARY KEY,
    role          TEXT    NOT NULL,
    clients       TEXT    NOT NULL, -- JSON array of client ids
    password_hash TEXT,             -- argon2id PHC string; NULL = token access only
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT    NOT NULL
);

-- API tokens: only a SHA-256 of the secret is kept.
CREATE TABLE api_token (
    id         TEXT NOT NULL PRIMARY KEY,
    email      TEXT NOT NULL REFERENCES app_user (email),
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_token_email ON api_token (email);

-- Browser sessions: only a SHA-256 of the cookie's secret is kept.
CREATE TABLE web_session (
    id_hash      TEXT NOT NULL PRIMARY KEY,
    email        TEXT NOT NULL REFERENCES app_user (email),
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX web_session_email ON web_session (email);

-- seq is given by the appender (last + 1), never by the database, so a gap is visible.
CREATE TABLE audit_event (
    seq            BIGINT  NOT NULL PRIMARY KEY,
    at             TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    object         TEXT    NOT NULL,
    client         TEXT,
    request_id     TEXT,
    payload_digest TEXT    NOT NULL,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL
);
