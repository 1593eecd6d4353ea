#!/usr/bin/env python3
"""The peer of `opsdeck ingest contacts`: DuckDB reads a contacts CSV and writes it as Parquet
partitioned by UTC month of arrival, zstd — the storage step alone (no validation, no duplicate
check, no interval sums).

    duckdb_ingest.py CSV OUT_DIR
"""
import sys

import duckdb

csv, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute(
    f"""COPY (SELECT *, strftime(arrived_at, '%Y-%m') AS month
              FROM read_csv('{csv.replace("'", "''")}', header = true))
        TO '{out.replace("'", "''")}' (FORMAT parquet, PARTITION_BY (month), COMPRESSION zstd)"""
)
