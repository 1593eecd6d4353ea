-- Client contracts (mirrors opsdeck_core::contract::RawContract, kept as JSON): every applied
-- revision is kept; a re-apply of an identical contract adds none.
CREATE TABLE contract_revision (
    contract_id TEXT    NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    client_id   TEXT    NOT NULL REFERENCES client (id),
    body        TEXT    NOT NULL,
    applied_at  TEXT    NOT NULL,
    PRIMARY KEY (contract_id, revision)
) STRICT;
CREATE INDEX contract_revision_client ON contract_revision (client_id);
