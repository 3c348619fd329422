import { Engine } from '../src/session/engine.ts';
import { formatError } from '../src/util/errors.ts';
const engine = await Engine.open();
const s = engine.createSession();
const stmts = [
  "SELECT 1 + 1, 'a' || 'b', 10 / 3, 10.0 / 3, CAST('2024-01-02' AS DATE)",
  "CREATE TABLE t (id INT, name STRING, amount DECIMAL(10,2)) WITH ('connector'='values', 'data'='[[1,\"a\",\"1.50\"],[2,\"b\",\"2.25\"],[3,\"a\",null],[4,null,\"4.00\"]]')",
  "SELECT * FROM t",
  "SELECT name, COUNT(*), SUM(amount), AVG(amount) FROM t GROUP BY name ORDER BY name",
  "SELECT id, name FROM t WHERE id > 1 AND name IS NOT NULL",
  "SELECT a.id, b.id FROM t a JOIN t b ON a.name = b.name ORDER BY 1, 2",
  "SELECT id, ROW_NUMBER() OVER (PARTITION BY name ORDER BY id DESC) rn FROM t ORDER BY id",
  "SELECT * FROM t WHERE id IN (SELECT id FROM t WHERE name = 'a')",
  "SELECT id, (SELECT COUNT(*) FROM t t2 WHERE t2.name = t.name) c FROM t ORDER BY id",
  "EXPLAIN SELECT name, COUNT(*) FROM t WHERE id > 1 GROUP BY name",
  "SELECT * FROM t WHERE nme = 1",
  "SELECT name, SUM(id) FROM t",
  "VALUES (1, 'x'), (2, 'y') UNION ALL SELECT 3, 'z' ORDER BY 1 DESC",
  "CREATE TABLE g (id BIGINT, v DOUBLE) WITH ('connector'='datagen', 'number-of-rows'='5', 'seed'='1', 'fields.id.kind'='sequence', 'fields.id.start'='1', 'fields.id.end'='5', 'fields.v.min'='0', 'fields.v.max'='1')",
  "SELECT COUNT(*), MIN(id), MAX(id), SUM(id) FROM g",
  "INSERT INTO t SELECT 5, 'c', 9.99",
  "SELECT COUNT(*) FROM t",
  "SELECT name, COUNT(*) FROM t GROUP BY ROLLUP(name) ORDER BY name NULLS LAST",
];
for (const sql of stmts) {
  try {
    const r = await s.execute(sql);
    if (r.kind === 'rows') console.log(sql, '\n  ->', JSON.stringify(r.rows, (_, v) => typeof v === 'bigint' ? v.toString() : v), r.columns.map(c => c.name).join(','));
    else if (r.kind === 'text') console.log(r.text);
    else console.log(sql, '\n  ->', r.message, r.warnings);
  } catch (e) { console.log(sql, '\n' + formatError(e, true)); }
}
