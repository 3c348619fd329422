"""psycopg 3 streaming from a Freshet server: COPY rows both ways and a SUBSCRIBE read with cursor.stream()
(extended protocol, rows as they arrive) until the query is cancelled. Prints one JSON object.

Usage: python3 psycopg3_stream_check.py PORT
"""
import json
import sys

import psycopg

port = int(sys.argv[1])
dsn = f"host=127.0.0.1 port={port} dbname=freshet connect_timeout=10"
out = {}
conn = psycopg.connect(dsn + " user=py3s", autocommit=True)
other = psycopg.connect(dsn + " user=py3w", autocommit=True)
conn.execute("CREATE TABLE py3_feed (id INT, v STRING)")

cur = conn.cursor()
with cur.copy("COPY py3_feed (id, v) FROM STDIN") as copy:
    for row in [(1, "tab\there"), (2, None), (3, "line\nbreak")]:
        copy.write_row(row)
out["copy_in_rowcount"] = cur.rowcount
with cur.copy("COPY (SELECT id, v FROM py3_feed ORDER BY id) TO STDOUT") as copy:
    out["copy_out_rows"] = [list(r) for r in copy.rows()]

seen = []
try:
    for row in cur.stream("SUBSCRIBE TO py3_feed"):
        seen.append([row[0], row[2], row[3]])
        if len(seen) == 3:  # the snapshot is in: commit a change, which arrives next
            other.execute("INSERT INTO py3_feed VALUES (5, 'five')")
        if len(seen) == 4:
            conn.cancel()
    out["ended"] = "without an error"
except psycopg.errors.QueryCanceled as e:
    out["ended"] = e.sqlstate
out["streamed"] = seen
out["after_cancel"] = conn.execute("SELECT COUNT(*) FROM py3_feed").fetchone()[0]
other.close()
conn.close()
print(json.dumps(out))
