"""psycopg2 reading incrementally from a Freshet server: named (server-side) cursors, COPY both ways, and a
SUBSCRIBE cursor read with FETCH. Prints what it saw as one JSON object (the test checks it).

Usage: python3 psycopg2_stream_check.py PORT
"""
import io
import json
import sys

import psycopg2

port = int(sys.argv[1])
out = {}
conn = psycopg2.connect(host="127.0.0.1", port=port, user="py2s", dbname="freshet", connect_timeout=10)
conn.autocommit = True
cur = conn.cursor()
cur.execute("CREATE TABLE py2_nums (n INT, sq BIGINT, label STRING)")

# COPY FROM STDIN with copy_expert (csv) and copy_from (text)
data = io.StringIO("".join(f"{i},{i * i},\"n, {i}\"\n" for i in range(1, 2501)))
cur.copy_expert("COPY py2_nums FROM STDIN WITH (FORMAT csv)", data)
out["copy_expert_rowcount"] = cur.rowcount
cur.copy_from(io.StringIO("2501\t6255001\t\\N\n"), "py2_nums", columns=("n", "sq", "label"))
out["copy_from_rowcount"] = cur.rowcount

# a named cursor: DECLARE .. CURSOR WITHOUT HOLD inside the transaction psycopg2 opens, FETCH FORWARD n
conn.autocommit = False
named = conn.cursor("big_read")
named.itersize = 700
named.execute("SELECT n, sq FROM py2_nums ORDER BY n")
first = named.fetchmany(3)
out["fetchmany"] = first
out["description"] = [d.name for d in named.description]
total = len(first) + sum(1 for _ in named)
out["iterated"] = total
named.close()
conn.commit()

with_hold = conn.cursor("held", withhold=True)
with_hold.execute("SELECT n FROM py2_nums WHERE n <= 5 ORDER BY n")
conn.commit()  # a WITH HOLD cursor outlives the transaction
out["held_after_commit"] = [r[0] for r in with_hold.fetchall()]
with_hold.close()

# COPY TO STDOUT
buf = io.StringIO()
cur = conn.cursor()
cur.copy_expert("COPY (SELECT n, label FROM py2_nums WHERE n IN (1, 2501) ORDER BY n) TO STDOUT WITH (FORMAT csv, HEADER)", buf)
out["copy_out"] = buf.getvalue()
conn.commit()

# SUBSCRIBE through a cursor: the snapshot first, then changes as they are committed
other = psycopg2.connect(host="127.0.0.1", port=port, user="py2w", dbname="freshet", connect_timeout=10)
other.autocommit = True
ocur = other.cursor()
ocur.execute("CREATE TABLE py2_feed (id INT, v STRING)")
ocur.execute("INSERT INTO py2_feed VALUES (1, 'one')")
cur.execute("DECLARE feed CURSOR FOR SUBSCRIBE TO py2_feed")
cur.execute("FETCH 10 feed")
out["sub_columns"] = [d.name for d in cur.description]
out["sub_snapshot"] = [[r[0], r[2], r[3]] for r in cur.fetchall()]
ocur.execute("INSERT INTO py2_feed VALUES (2, 'two'), (3, 'three')")
got = []
while len(got) < 2:
    cur.execute("FETCH 10 feed")  # waits for at least one row
    got += [[r[0], r[2], r[3]] for r in cur.fetchall()]
out["sub_changes"] = sorted(got)
cur.execute("FETCH 10 feed WITH (timeout = '0s')")
out["sub_idle"] = cur.fetchall()
cur.execute("CLOSE feed")
conn.commit()
other.close()
conn.close()
print(json.dumps(out))
