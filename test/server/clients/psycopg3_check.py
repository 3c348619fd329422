"""psycopg 3 against a Freshet server: prints what it saw as one JSON object (the test checks it).

psycopg 3 binds parameters on the server (Parse/Bind), unlike psycopg2, which quotes them into the text.

Usage: python3 psycopg3_check.py PORT
"""
import base64
import datetime
import decimal
import json
import sys

import psycopg


def plain(v):
    """A fetched value as JSON: the Python type name and a comparable form."""
    if isinstance(v, (memoryview, bytes)):
        return ["bytes", base64.b64encode(bytes(v)).decode()]
    if isinstance(v, (datetime.date, datetime.datetime)):
        return [type(v).__name__, v.isoformat()]
    if isinstance(v, decimal.Decimal):
        return ["Decimal", str(v)]
    return [type(v).__name__, v]


port = int(sys.argv[1])
out = {"driver": "psycopg " + psycopg.__version__}
with psycopg.connect(host="127.0.0.1", port=port, user="py3", dbname="freshet", connect_timeout=10, autocommit=True) as conn:
    out["server_version"] = conn.info.server_version
    conn.execute("CREATE TABLE py3_items (id INT, big BIGINT, ratio DOUBLE, price DECIMAL(10, 2), name STRING, ok BOOLEAN, "
                 "day DATE, at TIMESTAMP(6), raw BYTES)")
    rows = [
        (1, 9007199254740993, 0.1, decimal.Decimal("12.50"), "héllo 'quoted'", True, datetime.date(2024, 2, 29),
         datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), b"\x00\xff\x10"),
        (2, -5, -1.5e300, decimal.Decimal("-0.01"), "two", False, datetime.date(1999, 12, 31),
         datetime.datetime(1999, 12, 31, 23, 59, 59), b""),
    ]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO py3_items VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        out["insert_rowcount"] = cur.rowcount

        cur.execute("SELECT id, big, ratio, price, name, ok, day, at, raw FROM py3_items WHERE id = %s", [1])
        out["columns"] = [[d.name, d.type_code] for d in cur.description]
        out["row"] = [plain(v) for v in cur.fetchone()]
        cur.execute("SELECT name FROM py3_items WHERE ok = %(ok)s AND name LIKE %(pattern)s ORDER BY id", {"ok": False, "pattern": "t%"})
        out["named_params"] = cur.fetchall()
        # binary results, decoded by psycopg's binary loaders
        cur.execute("SELECT id, big, ratio, name, ok, day, at, raw FROM py3_items WHERE id = %s", [1], binary=True)
        out["binary_row"] = [plain(v) for v in cur.fetchone()]
        # a named prepared statement, executed twice
        for i in (1, 2):
            cur.execute("SELECT name FROM py3_items WHERE id = %s", [i], prepare=True)
        out["prepared"] = cur.fetchone()[0]

    # a transaction as psycopg runs it by default: BEGIN before the first statement, COMMIT on leaving the block
    conn.autocommit = False
    with conn.transaction():
        out["count_in_transaction"] = conn.execute("SELECT COUNT(*) FROM py3_items").fetchone()[0]
        out["status_in_transaction"] = conn.info.transaction_status.name

    try:
        conn.execute("SELECT nope FROM py3_items WHERE id = %s", [1])
        out["error"] = None
    except psycopg.Error as e:
        out["error"] = {"pgcode": e.sqlstate, "class": type(e).__name__, "position": e.diag.statement_position,
                        "message": e.diag.message_primary}
        out["status_after_error"] = conn.info.transaction_status.name
        conn.rollback()
    out["after_rollback"] = conn.execute("SELECT 1").fetchone()[0]
print(json.dumps(out))
