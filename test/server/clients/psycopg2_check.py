"""psycopg2 against a Freshet server: prints what it saw as one JSON object (the test checks it).

Usage: python3 psycopg2_check.py PORT
"""
import base64
import datetime
import decimal
import json
import sys

import psycopg2
import psycopg2.errors


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
out = {"driver": "psycopg2 " + psycopg2.__version__.split(" ")[0]}
conn = psycopg2.connect(host="127.0.0.1", port=port, user="py2", dbname="freshet", connect_timeout=10)
out["server_version"] = conn.server_version
conn.autocommit = True
cur = conn.cursor()
cur.execute("CREATE TABLE py2_items (id INT, big BIGINT, ratio DOUBLE, price DECIMAL(10, 2), name STRING, ok BOOLEAN, "
            "day DATE, at TIMESTAMP(6), raw BYTES)")
rows = [
    (1, 9007199254740993, 0.1, decimal.Decimal("12.50"), "héllo 'quoted'", True, datetime.date(2024, 2, 29),
     datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), psycopg2.Binary(b"\x00\xff\x10")),
    (2, -5, -1.5e300, decimal.Decimal("-0.01"), "two", False, datetime.date(1999, 12, 31),
     datetime.datetime(1999, 12, 31, 23, 59, 59), psycopg2.Binary(b"")),
]
cur.executemany("INSERT INTO py2_items VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
out["insert_rowcount"] = cur.rowcount

cur.execute("SELECT id, big, ratio, price, name, ok, day, at, raw FROM py2_items WHERE id = %s", (1,))
out["columns"] = [[d.name, d.type_code] for d in cur.description]
out["row"] = [plain(v) for v in cur.fetchone()]
cur.execute("SELECT name FROM py2_items WHERE ok = %(ok)s AND name LIKE %(pattern)s ORDER BY id", {"ok": False, "pattern": "t%"})
out["named_params"] = cur.fetchall()
# bytea as the server sends it (hex format), read back as bytes
cur.execute("SELECT X'00ff10' AS raw")
out["bytes_read"] = plain(cur.fetchone()[0])

# a transaction as psycopg2 runs it by default: BEGIN before the first statement, COMMIT/ROLLBACK after
conn.autocommit = False
cur.execute("SELECT COUNT(*) FROM py2_items")
out["count_in_transaction"] = cur.fetchone()[0]
out["status_in_transaction"] = conn.get_transaction_status()  # 2 = INTRANS
conn.commit()

try:
    cur.execute("SELECT nope FROM py2_items")
    out["error"] = None
except psycopg2.Error as e:
    out["error"] = {"pgcode": e.pgcode, "class": type(e).__name__, "position": e.diag.statement_position,
                    "message": e.diag.message_primary}
    out["status_after_error"] = conn.get_transaction_status()  # 3 = INERROR
    conn.rollback()
cur.execute("SELECT 1")
out["after_rollback"] = cur.fetchone()[0]
conn.close()
print(json.dumps(out))
