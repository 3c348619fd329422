/**
 * DuckDB as an oracle: an in-memory DuckDB database (one thread) that holds the same tables as a Freshet
 * session and answers the same queries, so that tests compare Freshet's result with an independent
 * engine's instead of with hand-typed answers.
 *
 * Tables reach DuckDB by mirroring Freshet statements: `CREATE TABLE .. WITH ('connector' = 'values',
 * 'data' = '[..]')` becomes a DuckDB table with equivalent column types holding the JSON rows, and
 * `INSERT INTO` (also inside statement sets), `CREATE TABLE .. AS SELECT`, `DROP`, `CREATE VIEW` and
 * `ALTER TABLE .. RENAME` are replayed. A statement that cannot
 * be replayed faithfully (INSERT OVERWRITE, ALTER that changes columns, other connectors) removes the
 * table from DuckDB and records why, so that a query on it fails loudly instead of comparing against
 * stale data.
 *
 * Two DuckDB settings make it answer like Flink where the two differ only by a default: `/` on integers
 * truncates (`integer_division`), and NULLs sort first ascending and last descending
 * (`default_null_order`). Identifiers quoted with backquotes are rewritten to double quotes. Everything
 * else is the query text as written: an `oracle` query must mean the same in both dialects.
 */
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import {
  DuckDBBlobValue, DuckDBDecimalValue, DuckDBListValue, DuckDBArrayValue, DuckDBMapValue, DuckDBStructValue,
  DuckDBListType, DuckDBArrayType, DuckDBMapType, DuckDBStructType,
} from '@duckdb/node-api';
import type * as A from '../../src/sql/ast.ts';
import type { DataType } from '../../src/types/data-type.ts';
import { bindType } from '../../src/sql/bind/types.ts';
import { parseJsonExact } from '../../src/util/json-exact.ts';
import {
  NULL_TEXT, bytesText, decimalText, listText, mapText, realText, rowText, stringText, temporalText,
} from './canonical.ts';

export interface OracleResult {
  columns: string[];
  /** Rows in canonical text (see canonical.ts). */
  rows: string[][];
}

/** Where a Freshet name lives; DuckDB holds only the objects of the default catalog and database. */
const DEFAULT_PATH = ['default_catalog', 'default_database'];

export class DuckDbOracle {
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;
  /** Tables (lower-case names) that exist in Freshet but not in DuckDB, with the reason. */
  private readonly unmirrored = new Map<string, string>();

  private constructor(instance: DuckDBInstance, conn: DuckDBConnection) {
    this.instance = instance;
    this.conn = conn;
  }

  static async open(): Promise<DuckDbOracle> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const conn = await instance.connect();
    await conn.run('SET integer_division = true');
    await conn.run("SET default_null_order = 'nulls_first_on_asc_last_on_desc'");
    return new DuckDbOracle(instance, conn);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /**
   * Replays a statement that Freshet executed successfully. `inDefaultDatabase` says whether the
   * session's current database is the default one (unqualified names then mean DuckDB's tables).
   */
  async mirror(st: A.Statement, sql: string, inDefaultDatabase: boolean): Promise<void> {
    switch (st.kind) {
      case 'createTable': {
        const name = this.localName(st.name, inDefaultDatabase);
        if (name === undefined) return;
        await this.createTable(name, st, sql);
        return;
      }
      case 'insert':
        await this.replayInsert(st, sql, inDefaultDatabase);
        return;
      case 'statementSet':
        for (const ins of st.statements) await this.replayInsert(ins, sql.slice(ins.loc.start, ins.loc.end), inDefaultDatabase);
        return;
      case 'drop': {
        if (st.objectType !== 'TABLE' && st.objectType !== 'VIEW') return;
        const name = this.localName(st.name, inDefaultDatabase);
        if (name === undefined) return;
        this.unmirrored.delete(name.toLowerCase());
        await this.dropAny(name, st.temporary);
        return;
      }
      case 'createView': {
        const name = this.localName(st.name, inDefaultDatabase);
        if (name === undefined) return;
        try {
          await this.conn.run(toDuckSql(`CREATE ${st.orReplace ? 'OR REPLACE ' : ''}${st.temporary ? 'TEMP ' : ''}VIEW ${quote(name)}${st.columns ? ` (${st.columns.map((c) => quote(c.value)).join(', ')})` : ''} AS ${st.queryText}`));
          this.unmirrored.delete(name.toLowerCase());
        } catch (e) {
          this.unmirrored.set(name.toLowerCase(), `DuckDB could not create the view: ${(e as Error).message}`);
        }
        return;
      }
      case 'alterTable': {
        const name = this.localName(st.name, inDefaultDatabase);
        if (name === undefined || !(await this.exists(name))) return;
        if (st.action.kind === 'rename') {
          const to = this.localName(st.action.newName, inDefaultDatabase);
          if (to !== undefined) {
            await this.conn.run(`ALTER ${st.objectType} ${quote(name)} RENAME TO ${quote(to)}`);
            return;
          }
        }
        // options other than 'data' do not change what the table holds
        if (st.action.kind === 'setOptions' && !st.action.options.some((o) => o.key === 'data')) return;
        if (st.action.kind === 'resetOptions' && !st.action.keys.includes('data')) return;
        await this.forget(name, `ALTER TABLE .. ${st.action.kind} is not mirrored`);
        return;
      }
      default:
        return;
    }
  }

  private async replayInsert(st: A.InsertStatement, sql: string, inDefaultDatabase: boolean): Promise<void> {
    const name = this.localName(st.table, inDefaultDatabase);
    if (name === undefined || !(await this.exists(name))) return;
    if (st.overwrite || st.partition.length > 0) {
      await this.forget(name, 'INSERT OVERWRITE / PARTITION is not mirrored');
      return;
    }
    try {
      await this.conn.run(toDuckSql(sql));
    } catch (e) {
      await this.forget(name, `DuckDB could not replay the INSERT: ${(e as Error).message}`);
    }
  }

  /** Runs a query and returns its rows in canonical text. */
  async query(sql: string): Promise<OracleResult> {
    let reader;
    try {
      reader = await this.conn.runAndReadAll(toDuckSql(sql));
    } catch (e) {
      const missing = [...this.unmirrored].map(([t, why]) => `${t}: ${why}`);
      throw new Error(`DuckDB failed: ${(e as Error).message}${missing.length > 0 ? `\n(tables not mirrored: ${missing.join('; ')})` : ''}`);
    }
    const types = reader.columnTypes();
    const rows = reader.getRows().map((row) => row.map((v, i) => duckText(types[i]!, v, false)));
    return { columns: reader.columnNames(), rows };
  }

  /** The DuckDB name of a Freshet object name, if it lives in the default database. */
  private localName(name: A.QualifiedName, inDefaultDatabase: boolean): string | undefined {
    const parts = name.parts.map((p) => p.value);
    const last = parts[parts.length - 1]!;
    if (parts.length === 1) return inDefaultDatabase ? last : undefined;
    const path = parts.slice(0, -1);
    const tail = DEFAULT_PATH.slice(DEFAULT_PATH.length - path.length);
    return path.every((p, i) => p.toLowerCase() === tail[i]!.toLowerCase()) ? last : undefined;
  }

  private async createTable(name: string, st: A.CreateTable, sql: string): Promise<void> {
    // an existing table stays as it is; a temporary one shadows a permanent one of the same name, as in
    // Freshet (DuckDB's temp schema is searched first)
    if (st.ifNotExists && (await this.exists(name))) return;
    const temp = st.temporary ? 'TEMP ' : '';
    const options = new Map(st.options.map((o) => [o.key, o.value]));
    if (st.asQuery && options.get('connector') === 'values' && st.columns.length === 0) {
      // CTAS: DuckDB computes the same rows (its column types may differ; values compare as text)
      try {
        await this.dropAny(name, st.temporary);
        await this.conn.run(`CREATE ${temp}TABLE ${quote(name)} AS ${toDuckSql(sql.slice(st.asQuery.loc.start, st.asQuery.loc.end))}`);
        this.unmirrored.delete(name.toLowerCase());
      } catch (e) {
        await this.forget(name, `DuckDB could not replay CREATE TABLE .. AS SELECT: ${(e as Error).message}`);
      }
      return;
    }
    const why = st.like ? 'CREATE TABLE .. LIKE is not mirrored'
      : st.asQuery ? 'CREATE TABLE .. AS SELECT with a column list is not mirrored'
        : options.get('connector') !== 'values' ? `connector '${options.get('connector')}' is not mirrored`
          : st.columns.some((c) => c.kind !== 'physical') ? 'computed and metadata columns are not mirrored' : undefined;
    if (why) {
      await this.forget(name, why);
      return;
    }
    const cols = st.columns.map((c) => ({ name: c.name.value, type: bindType((c as { type: A.TypeNode }).type, (e) => e) }));
    const ddl = cols.map((c) => `${quote(c.name)} ${duckType(c.type)}${c.type.nullable ? '' : ' NOT NULL'}`).join(', ');
    await this.dropAny(name, st.temporary);
    await this.conn.run(`CREATE ${temp}TABLE ${quote(name)} (${ddl})`);
    this.unmirrored.delete(name.toLowerCase());
    const data = options.get('data');
    if (data === undefined) return;
    const rows = parseJsonExact(data) as unknown[];
    if (rows.length === 0) return;
    const tuples = rows.map((row) => {
      const values = Array.isArray(row) ? row : cols.map((c) => (row as Record<string, unknown>)[c.name]);
      return '(' + cols.map((c, i) => duckLiteral(values[i], c.type)).join(', ') + ')';
    });
    await this.conn.run(`INSERT INTO ${quote(name)} VALUES ${tuples.join(', ')}`);
  }

  private async exists(name: string): Promise<boolean> {
    const r = await this.conn.runAndReadAll(`SELECT count(*) FROM information_schema.tables WHERE lower(table_name) = lower('${name.replace(/'/g, "''")}')`);
    return Number(r.getRows()[0]![0]) > 0;
  }

  /** Drops the table or view `name`: the temporary one, or the permanent one. */
  private async dropAny(name: string, temporary: boolean): Promise<void> {
    const r = await this.conn.runAndReadAll(`SELECT table_type FROM information_schema.tables WHERE lower(table_name) = lower('${name.replace(/'/g, "''")}') AND (table_catalog = 'temp') = ${temporary}`);
    for (const [type] of r.getRows()) await this.conn.run(`DROP ${type === 'VIEW' ? 'VIEW' : 'TABLE'} IF EXISTS ${temporary ? 'temp.' : ''}${quote(name)}`);
  }


  private async forget(name: string, why: string): Promise<void> {
    await this.dropAny(name, true);
    await this.dropAny(name, false);
    this.unmirrored.set(name.toLowerCase(), why);
  }
}

function quote(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Flink SQL text → DuckDB SQL text: backquoted identifiers become double-quoted. */
export function toDuckSql(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      const end = endOfQuoted(sql, i, "'");
      out += sql.slice(i, end);
      i = end;
    } else if (c === '`') {
      const end = endOfQuoted(sql, i, '`');
      const inner = sql.slice(i + 1, end - 1).replace(/``/g, '`');
      out += quote(inner);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl < 0 ? sql.length : nl;
      out += sql.slice(i, end);
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The offset after a quoted token starting at `start` (doubled quotes escape). */
function endOfQuoted(sql: string, start: number, q: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === q) {
      if (sql[i + 1] === q) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** DuckDB's spelling of a Freshet type. */
export function duckType(t: DataType): string {
  switch (t.kind) {
    case 'BOOLEAN': return 'BOOLEAN';
    case 'TINYINT': return 'TINYINT';
    case 'SMALLINT': return 'SMALLINT';
    case 'INT': return 'INTEGER';
    case 'BIGINT': return 'BIGINT';
    case 'FLOAT': return 'FLOAT';
    case 'DOUBLE': return 'DOUBLE';
    case 'DECIMAL': return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'CHAR': case 'VARCHAR': return 'VARCHAR';
    case 'BINARY': case 'VARBINARY': return 'BLOB';
    case 'DATE': return 'DATE';
    case 'TIME': return 'TIME';
    case 'TIMESTAMP': return 'TIMESTAMP';
    case 'TIMESTAMP_LTZ': return 'TIMESTAMPTZ';
    case 'ARRAY': case 'MULTISET': return `${duckType(t.element!)}[]`;
    case 'MAP': return `MAP(${duckType(t.key!)}, ${duckType(t.value!)})`;
    case 'ROW': return `STRUCT(${t.fields!.map((f) => `${quote(f.name)} ${duckType(f.type)}`).join(', ')})`;
    default: throw new Error(`type ${t.kind} has no DuckDB equivalent in the oracle`);
  }
}

function stringLiteral(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

/** A DuckDB literal for a value of the `values` connector's JSON data (as that connector reads it). */
function duckLiteral(v: unknown, t: DataType): string {
  if (v === null || v === undefined) return 'NULL';
  switch (t.kind) {
    case 'ARRAY': case 'MULTISET':
      return `CAST([${(v as unknown[]).map((x) => duckLiteral(x, t.element!)).join(', ')}] AS ${duckType(t)})`;
    case 'MAP':
      return `CAST(MAP {${Object.entries(v as object).map(([k, x]) => `${duckLiteral(k, t.key!)}: ${duckLiteral(x, t.value!)}`).join(', ')}} AS ${duckType(t)})`;
    case 'ROW':
      return `CAST(ROW(${t.fields!.map((f, i) => duckLiteral((v as unknown[])[i], f.type)).join(', ')}) AS ${duckType(t)})`;
    case 'CHAR': case 'VARCHAR':
      return stringLiteral(String(v));
    default:
      return `CAST(${stringLiteral(String(v))} AS ${duckType(t)})`;
  }
}

/** The canonical text (canonical.ts) of a DuckDB value. */
export function duckText(type: DuckDBType, v: DuckDBValue, nested: boolean): string {
  if (v === null || v === undefined) return NULL_TEXT;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return type.typeId === DuckDBTypeId.FLOAT || type.typeId === DuckDBTypeId.DOUBLE ? realText(v) : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return stringText(v, nested);
  if (v instanceof DuckDBDecimalValue) return decimalText(v.toString());
  if (v instanceof DuckDBBlobValue) return bytesText(v.bytes);
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) {
    const el = type instanceof DuckDBListType || type instanceof DuckDBArrayType ? type.valueType : type;
    return listText(v.items.map((x) => duckText(el, x, true)));
  }
  if (v instanceof DuckDBMapValue && type instanceof DuckDBMapType) {
    return mapText(v.entries.map((e) => [duckText(type.keyType, e.key, true), duckText(type.valueType, e.value, true)]));
  }
  if (v instanceof DuckDBStructValue && type instanceof DuckDBStructType) {
    return rowText(type.entryNames.map((n, i) => duckText(type.entryTypes[i]!, v.entries[n] ?? null, true)));
  }
  switch (type.typeId) {
    case DuckDBTypeId.DATE: case DuckDBTypeId.TIME: case DuckDBTypeId.TIMESTAMP: case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S: case DuckDBTypeId.TIMESTAMP_NS:
      return temporalText(String(v));
    default:
      return stringText(String(v), nested);
  }
}
