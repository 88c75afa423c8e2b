#!/usr/bin/env python3
"""Reads the Parquet tables of `tenantless generate --format parquet` with DuckDB and prints what
DuckDB sees, as JSON: per table its row count, its columns' DuckDB types, and its first row (by
TimeGenerated, then every column as text) — for tests/it/parquet.rs to compare with the NDJSON of
the same run.

Usage: parquet_check.py --data DIR [--cache DIR]

DuckDB comes from this Python, else from the venv duckdb_peer.py installs (same cache, same
version). Exit status: 0 read, 1 a table DuckDB cannot read, 3 DuckDB cannot be installed.
"""

import argparse
import json
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import duckdb_peer  # noqa: E402  (its venv installer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache")
    args = parser.parse_args()
    try:
        import duckdb
    except ImportError:
        python = duckdb_peer.duckdb_python(duckdb_peer.cache_dir(args.cache))
        os.execv(python, [python, __file__, *sys.argv[1:]])
    connection = duckdb.connect()
    out = {}
    for path in sorted(pathlib.Path(args.data).glob("*.parquet")):
        source = "read_parquet(" + duckdb_peer.sql_string(str(path)) + ")"
        try:
            rows = connection.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            types = {name: kind for name, kind, *_ in connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            # The earliest record, ties broken by every column: the same row whatever the file order.
            first = connection.execute(
                f"SELECT * EXCLUDE (first_time) FROM (SELECT TimeGenerated AS first_time, * FROM {source}) ORDER BY ALL LIMIT 1"
            ).fetchone()
        except duckdb.Error as e:
            print(f"{path}: {e}", file=sys.stderr)
            sys.exit(1)
        names = list(types)
        out[path.stem] = {
            "rows": rows,
            "types": types,
            "first": None if first is None else {n: (None if v is None else str(v)) for n, v in zip(names, first)},
        }
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
