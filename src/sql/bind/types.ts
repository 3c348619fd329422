/** SQL type names (TypeNode) to DataTypes, with validation of lengths, precisions and scales. */
import type { TypeNode } from '../ast.ts';
import type { DataType } from '../../types/data-type.ts';
import { T, notNull, MAX_DECIMAL_PRECISION, MAX_VARCHAR_LENGTH } from '../../types/data-type.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';
import { matchName } from '../../catalog/catalog-manager.ts';
import { pgType } from '../../types/pg-types.ts';

/** Type names that mean a Postgres type in the Postgres dialect (where Flink SQL has none, or another meaning). */
const POSTGRES_NAMES = new Set(['OID', 'NAME', 'REGCLASS', 'REGTYPE', 'REGNAMESPACE', 'REGROLE', 'REGPROC', 'REGPROCEDURE', 'INT2VECTOR',
  'OIDVECTOR', 'XID', 'ACLITEM', 'PG_NODE_TREE', '"CHAR"', 'TIMESTAMPTZ', 'BPCHAR', 'JSON', 'JSONB', 'UUID']);

/**
 * Converts a type name; `errorAt` attaches positions. In the Postgres dialect, Postgres type names
 * (`oid`, `regclass`, `"char"`, `timestamptz`, unsized `varchar`) give the Freshet type marked with the
 * Postgres one (see types/pg-types.ts).
 */
export function bindType(node: TypeNode, errorAt: (e: FreshetError, offset: number) => FreshetError, dialect: 'flink' | 'postgres' = 'flink'): DataType {
  if (dialect === 'postgres') {
    let pg: DataType | undefined;
    if (POSTGRES_NAMES.has(node.name) && node.params.length === 0) pg = pgType(node.name === '"CHAR"' ? 'char' : node.name);
    else if (node.name === 'VARCHAR' && node.params.length === 0) pg = pgType('varchar');
    else if (node.name === 'TIMESTAMP_TZ') pg = T.timestampLtz(node.params[0] ?? 6);
    else if (node.name === 'ARRAY' || node.name === 'MULTISET') {
      const el = bindType(node.element!, errorAt, dialect);
      pg = node.name === 'ARRAY' ? T.array(el) : T.multiset(el);
    }
    if (pg) return node.notNull ? notNull(pg) : pg;
  }
  const fail = (message: string, hint?: string): never => {
    throw errorAt(new FreshetError(SqlState.datatypeMismatch, message, { hint }), node.loc.start);
  };
  const p = node.params;
  const arity = (max: number): void => {
    if (p.length > max) fail(`${node.name} takes at most ${max} parameter${max === 1 ? '' : 's'}, got ${p.length}`);
  };
  let t: DataType;
  switch (node.name) {
    case 'BOOLEAN': case 'BOOL': arity(0); t = T.boolean(); break;
    case 'TINYINT': arity(0); t = T.tinyint(); break;
    case 'SMALLINT': case 'INT2': arity(0); t = T.smallint(); break;
    case 'INT': case 'INTEGER': case 'INT4': arity(0); t = T.int(); break;
    case 'BIGINT': case 'INT8': arity(0); t = T.bigint(); break;
    case 'FLOAT': case 'REAL': case 'FLOAT4': arity(1); t = node.name === 'FLOAT' && (p[0] ?? 0) > 24 ? T.double() : T.float(); break;
    case 'DOUBLE': case 'FLOAT8': arity(0); t = T.double(); break;
    case 'DECIMAL': case 'DEC': case 'NUMERIC': {
      arity(2);
      const precision = p[0] ?? 10;
      const scale = p[1] ?? 0;
      if (precision < 1 || precision > MAX_DECIMAL_PRECISION) fail(`DECIMAL precision must be between 1 and 38, got ${precision}`);
      if (scale < 0 || scale > precision) fail(`DECIMAL scale must be between 0 and the precision (${precision}), got ${scale}`);
      t = T.decimal(precision, scale);
      break;
    }
    case 'CHAR': case 'CHARACTER': {
      arity(1);
      const n = p[0] ?? 1;
      if (n < 1) fail('CHAR length must be at least 1');
      t = T.char(n);
      break;
    }
    case 'VARCHAR': {
      arity(1);
      const n = p[0] ?? 1;
      if (n < 1) fail('VARCHAR length must be at least 1');
      t = T.varchar(Math.min(n, MAX_VARCHAR_LENGTH));
      break;
    }
    case 'STRING': case 'TEXT': case 'JSON': case 'JSONB': case 'NAME': case 'UUID': arity(0); t = T.string(); break;
    case 'BINARY': arity(1); t = T.binary(p[0] ?? 1); break;
    case 'VARBINARY': arity(1); t = T.varbinary(p[0] ?? 1); break;
    case 'BYTES': case 'BYTEA': arity(0); t = T.bytes(); break;
    case 'DATE': arity(0); t = T.date(); break;
    case 'TIME': {
      arity(1);
      const prec = p[0] ?? 0;
      if (prec > 9) fail(`TIME precision must be between 0 and 9, got ${prec}`);
      t = T.time(prec);
      break;
    }
    case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
      arity(1);
      const prec = p[0] ?? 6;
      if (prec > 9) fail(`${node.name} precision must be between 0 and 9, got ${prec}`);
      t = node.name === 'TIMESTAMP' ? T.timestamp(prec) : T.timestampLtz(prec);
      break;
    }
    case 'TIMESTAMP_TZ':
      return fail('TIMESTAMP WITH TIME ZONE is not supported', 'Use TIMESTAMP_LTZ (TIMESTAMP WITH LOCAL TIME ZONE), which stores an instant and shows it in the session time zone.');
    case 'INTERVAL': {
      const ym = node.from === 'YEAR' || node.from === 'MONTH' || node.from === 'QUARTER';
      t = ym ? T.intervalYearMonth() : T.intervalDayTime();
      break;
    }
    case 'ARRAY': t = T.array(bindType(node.element!, errorAt)); break;
    case 'MULTISET': t = T.multiset(bindType(node.element!, errorAt)); break;
    case 'MAP': t = T.map(bindType(node.key!, errorAt), bindType(node.value!, errorAt)); break;
    case 'ROW': {
      const names: string[] = [];
      const fields = node.fields!.map((f) => {
        if (matchName({ value: f.name.value, quoted: true }, names) !== undefined) fail(`duplicate field name \`${f.name.value}\` in ROW type`);
        names.push(f.name.value);
        return { name: f.name.value, type: bindType(f.type, errorAt) };
      });
      t = T.row(fields);
      break;
    }
    case 'NULL': t = T.null(); break;
    case 'VARIANT': case 'RAW':
      return fail(`type ${node.name} is not supported yet`);
    default:
      return fail(`unknown type ${node.name}`);
  }
  return node.notNull ? notNull(t) : t;
}

