#!/usr/bin/env python3
"""Dumps a SQLite portal database's rows as INSERT statements that SQLite and PostgreSQL
both read (every value a quoted literal; serial ids left to the database), for the
migration tests' fixtures: `scripts/dump-seed.py DB.sqlite > tests/api/fixtures/X.sql`.

tests/api/fixtures/previous_seed.sql was made so: the previous release's
`portal migrate && portal seed --demo` on an empty SQLite file, then this script."""
import sqlite3
import sys

# Parents before children; tables left empty by the seed are skipped.
ORDER = ["plans", "customers", "subscriptions", "invoices", "invoice_lines",
         "invoice_sequences", "usage_logs", "usage_settlements"]
SERIAL = {"invoice_lines", "usage_logs", "usage_settlements"}


def literal(value):
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def main(path):
    db = sqlite3.connect(path)
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'seaql_migrations'")]
    filled = {t for t in tables if db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]}
    missing = filled - set(ORDER)
    if missing:
        sys.exit(f"rows in tables this script does not order: {sorted(missing)}")
    print("-- The previous version's demo data (`portal seed --demo`), dumped by")
    print("-- scripts/dump-seed.py: every value a quoted literal, which SQLite and PostgreSQL")
    print("-- both read into the column's type.")
    for table in ORDER:
        cursor = db.execute(f'SELECT * FROM "{table}"')
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        if not rows:
            continue
        keep = [i for i, c in enumerate(columns) if not (table in SERIAL and c == "id")]
        values = ",\n".join(
            "  (" + ", ".join(literal(row[i]) for i in keep) + ")" for row in rows)
        print(f"INSERT INTO {table} ({', '.join(columns[i] for i in keep)}) VALUES\n{values};")


if __name__ == "__main__":
    main(sys.argv[1])
