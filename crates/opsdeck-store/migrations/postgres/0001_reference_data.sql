-- Reference data (mirrors opsdeck_core::org::RawOrg) and the ingest audit log.
-- Foreign keys make the database refuse inconsistent reference data on its own.

CREATE TABLE site (
    id                       TEXT    NOT NULL PRIMARY KEY,
    name                     TEXT    NOT NULL,
    country                  TEXT    NOT NULL,
    time_zone                TEXT    NOT NULL,
    cost_per_productive_hour DOUBLE PRECISION NOT NULL,
    currency                 TEXT    NOT NULL
);

CREATE TABLE client (
    id       TEXT NOT NULL PRIMARY KEY,
    name     TEXT NOT NULL,
    industry TEXT NOT NULL
);

CREATE TABLE program (
    id        TEXT NOT NULL PRIMARY KEY,
    name      TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES client (id)
);
CREATE INDEX program_client ON program (client_id);

-- Sites delivering a program, in declared order.
CREATE TABLE program_site (
    program_id TEXT    NOT NULL REFERENCES program (id),
    position   BIGINT  NOT NULL,
    site_id    TEXT    NOT NULL REFERENCES site (id),
    PRIMARY KEY (program_id, position)
);
CREATE INDEX program_site_site ON program_site (site_id);

CREATE TABLE calendar (
    id        TEXT NOT NULL PRIMARY KEY,
    time_zone TEXT NOT NULL
);

-- Opening hours per weekday key as declared (`mon` ... `sun`); no rows = open around the clock.
CREATE TABLE calendar_hours (
    calendar_id TEXT NOT NULL REFERENCES calendar (id),
    weekday     TEXT NOT NULL,
    ranges      TEXT NOT NULL,
    PRIMARY KEY (calendar_id, weekday)
);

CREATE TABLE calendar_holiday (
    calendar_id TEXT NOT NULL REFERENCES calendar (id),
    date        TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (calendar_id, date)
);

CREATE TABLE queue (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    program_id       TEXT    NOT NULL REFERENCES program (id),
    channel          TEXT    NOT NULL,
    calendar_id      TEXT    NOT NULL REFERENCES calendar (id),
    threshold_s      BIGINT  NOT NULL,
    short_abandon_s  BIGINT  NOT NULL,
    interval_minutes BIGINT  NOT NULL,
    sl_target        DOUBLE PRECISION NOT NULL,
    site_id          TEXT             REFERENCES site (id)
);
CREATE INDEX queue_program ON queue (program_id);
CREATE INDEX queue_calendar ON queue (calendar_id);
CREATE INDEX queue_site ON queue (site_id);

-- One row per committed ingest batch, in commit order (seq); batch_id makes recording idempotent.
CREATE TABLE ingest_batch (
    seq              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id         TEXT    NOT NULL UNIQUE,
    kind             TEXT    NOT NULL,
    files            TEXT    NOT NULL, -- JSON array of strings
    rows_read        BIGINT  NOT NULL,
    rows_accepted    BIGINT  NOT NULL,
    rows_duplicate   BIGINT  NOT NULL,
    rows_quarantined BIGINT  NOT NULL,
    committed_at     TEXT    NOT NULL  -- RFC 3339, given by the caller
);
