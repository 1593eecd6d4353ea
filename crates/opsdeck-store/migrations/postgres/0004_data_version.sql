-- A number every change of reference data or contracts raises, in the change's own
-- transaction, so that a reader can tell cheaply whether what it derived from them is current.
CREATE TABLE data_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);
