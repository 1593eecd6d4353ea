-- Reference data (mirrors opsdeck_core::org::RawOrg) and the ingest audit log.
-- Foreign keys make the database refuse inconsistent reference data on its own.

CREATE TABLE site (
    id                       TEXT    NOT NULL PRIMARY KEY,
    name                     TEXT    NOT NULL,
    country                  TEXT    NOT NULL,
    time_zone                TEXT    NOT NULL,
    cost_per_productive_hour REAL    NOT NULL,
    currency                 TEXT    NOT NULL
) STRICT;

CREATE TABLE client (
    id       TEXT NOT NULL PRIMARY KEY,
    name     TEXT NOT NULL,
    industry TEXT NOT NULL
) STRICT;

CREATE TABLE program (
    id        TEXT NOT NULL PRIMARY KEY,
    name      TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES client (id)
) STRICT;
CREATE INDEX program_client ON program (client_id);

-- Sites delivering a program, in declared order.
CREATE TABLE program_site (
    program_id TEXT    NOT NULL REFERENCES program (id),
    position   INTEGER NOT NULL,
    site_id    TEXT    NOT NULL REFERENCES site (id),
    PRIMARY KEY (program_id, position)
) STRICT;
CREATE INDEX program_site_site ON program_site (site_id);

CREATE TABLE calendar (
    id        TEXT NOT NULL PRIMARY KEY,
    time_zone TEXT NOT NULL
) STRICT;

-- Opening hours per weekday key as declared (`mon` ... `sun`); no rows = open around the clock.
CREATE TABLE calendar_hours (
    calendar_id TEXT NOT NULL REFERENCES calendar (id),
    weekday     TEXT NOT NULL,
    ranges      TEXT NOT NULL,
    PRIMARY KEY (calendar_id, weekday)
) STRICT;

CREATE TABLE calendar_holiday (
    calendar_id TEXT NOT NULL REFERENCES calendar (id),
    date        TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (calendar_id, date)
) STRICT;

CREATE TABLE queue (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    program_id       TEXT    NOT NULL REFERENCES program (id),
    channel          TEXT    NOT NULL,
    calendar_id      TEXT    NOT NULL REFERENCES calendar (id),
    threshold_s      INTEGER NOT NULL,
    short_abandon_s  INTEGER NOT NULL,
    interval_minutes INTEGER NOT NULL,
    sl_target        REAL    NOT NULL,
    site_id          TEXT             REFERENCES site (id)
) STRICT;
CREATE INDEX queue_program ON queue (program_id);
CREATE INDEX queue_calendar ON queue (calendar_id);
CREATE INDEX queue_site ON queue (site_id);

-- One row per committed ingest batch, in commit order (seq); batch_id makes recording idempotent.
CREATE TABLE ingest_batch (
    seq              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    batch_id         TEXT    NOT NULL UNIQUE,
    kind             TEXT    NOT NULL,
    files            TEXT    NOT NULL, -- JSON array of strings
    rows_read        INTEGER NOT NULL,
    rows_accepted    INTEGER NOT NULL,
    rows_duplicate   INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    committed_at     TEXT    NOT NULL  -- RFC 3339, given by the caller
) STRICT;
