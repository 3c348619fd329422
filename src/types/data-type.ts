/**
 * SQL data types (Flink's set) and the physical layout each one uses inside a batch.
 *
 * A DataType is an immutable plain object. Nullability is part of the type (`INT NOT NULL` differs from
 * `INT`). Time attributes (rowtime/proctime) are a mark on TIMESTAMP types, used by the streaming planner.
 */

export type TypeKind =
  | 'NULL' | 'BOOLEAN' | 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT' | 'FLOAT' | 'DOUBLE' | 'DECIMAL'
  | 'CHAR' | 'VARCHAR' | 'BINARY' | 'VARBINARY' | 'DATE' | 'TIME' | 'TIMESTAMP' | 'TIMESTAMP_LTZ'
  | 'INTERVAL_YEAR_MONTH' | 'INTERVAL_DAY_TIME' | 'ARRAY' | 'MAP' | 'MULTISET' | 'ROW';

export interface RowField {
  readonly name: string;
  readonly type: DataType;
}

export interface DataType {
  readonly kind: TypeKind;
  readonly nullable: boolean;
  /** DECIMAL precision; fractional-second precision of TIME/TIMESTAMP/TIMESTAMP_LTZ. */
  readonly precision?: number;
  /** DECIMAL scale. */
  readonly scale?: number;
  /** CHAR/VARCHAR/BINARY/VARBINARY length. */
  readonly length?: number;
  /** ARRAY/MULTISET element type. */
  readonly element?: DataType;
  /** MAP key and value types. */
  readonly key?: DataType;
  readonly value?: DataType;
  /** ROW fields. */
  readonly fields?: readonly RowField[];
  /** Marks a time attribute column: event time (rowtime) or processing time (proctime). */
  readonly timeAttribute?: 'ROWTIME' | 'PROCTIME';
  /**
   * The Postgres type of a value where Postgres has a more specific one than the kind (`oid`, `name`,
   * `"char"`, `regclass`, `int2vector`, ...; see pg-types.ts). Only the Postgres dialect of wire sessions
   * sets it; it changes how values are described to clients and converted to and from text, not how they
   * are stored or compared.
   */
  readonly pg?: string;
}

/**
 * How a column of a type is laid out in a batch.
 * - bool: Uint8Array of 0/1
 * - i32:  Int32Array (TINYINT, SMALLINT, INT, DATE as days, TIME as millis of day, YEAR-MONTH interval as months)
 * - f64:  Float64Array (FLOAT, DOUBLE, TIMESTAMP/TIMESTAMP_LTZ as epoch millis, DAY-TIME interval as millis)
 * - i64:  Float64Array while every value is a safe integer, else an Array of number|bigint
 *         (BIGINT; DECIMAL as its unscaled integer); a safe integer is a number even there, a bigint
 *         only beyond 2^53 (int64.ts), so equal values have one representation
 * - obj:  Array (strings, bytes as Uint8Array, arrays, maps, rows)
 */
export type Physical = 'bool' | 'i32' | 'f64' | 'i64' | 'obj';

export const MAX_VARCHAR_LENGTH = 2147483647;
export const MAX_DECIMAL_PRECISION = 38;

function make(kind: TypeKind, extra: Partial<DataType> = {}, nullable = true): DataType {
  return Object.freeze({ kind, nullable, ...extra }) as DataType;
}

/** Type constructors. All nullable unless `notNull` is applied. */
export const T = {
  null: (): DataType => make('NULL'),
  boolean: (): DataType => make('BOOLEAN'),
  tinyint: (): DataType => make('TINYINT'),
  smallint: (): DataType => make('SMALLINT'),
  int: (): DataType => make('INT'),
  bigint: (): DataType => make('BIGINT'),
  float: (): DataType => make('FLOAT'),
  double: (): DataType => make('DOUBLE'),
  decimal: (precision = 10, scale = 0): DataType => make('DECIMAL', { precision, scale }),
  char: (length = 1): DataType => make('CHAR', { length }),
  varchar: (length = MAX_VARCHAR_LENGTH): DataType => make('VARCHAR', { length }),
  string: (): DataType => make('VARCHAR', { length: MAX_VARCHAR_LENGTH }),
  binary: (length = 1): DataType => make('BINARY', { length }),
  varbinary: (length = MAX_VARCHAR_LENGTH): DataType => make('VARBINARY', { length }),
  bytes: (): DataType => make('VARBINARY', { length: MAX_VARCHAR_LENGTH }),
  date: (): DataType => make('DATE'),
  time: (precision = 0): DataType => make('TIME', { precision }),
  timestamp: (precision = 6): DataType => make('TIMESTAMP', { precision }),
  timestampLtz: (precision = 6): DataType => make('TIMESTAMP_LTZ', { precision }),
  intervalYearMonth: (): DataType => make('INTERVAL_YEAR_MONTH'),
  intervalDayTime: (): DataType => make('INTERVAL_DAY_TIME', { precision: 3 }),
  array: (element: DataType): DataType => make('ARRAY', { element }),
  multiset: (element: DataType): DataType => make('MULTISET', { element }),
  map: (key: DataType, value: DataType): DataType => make('MAP', { key, value }),
  row: (fields: readonly RowField[]): DataType => make('ROW', { fields: Object.freeze([...fields]) }),
};

export function withNullable(type: DataType, nullable: boolean): DataType {
  if (type.nullable === nullable) return type;
  return Object.freeze({ ...type, nullable });
}

export function notNull(type: DataType): DataType {
  return withNullable(type, false);
}

export function nullable(type: DataType): DataType {
  return withNullable(type, true);
}

/** The same type without a time-attribute mark (what a time attribute becomes after arithmetic). */
export function withoutTimeAttribute(type: DataType): DataType {
  if (type.timeAttribute === undefined) return type;
  const { timeAttribute: _drop, ...rest } = type;
  return Object.freeze(rest) as DataType;
}

export function withTimeAttribute(type: DataType, attr: 'ROWTIME' | 'PROCTIME'): DataType {
  return Object.freeze({ ...type, timeAttribute: attr });
}

export function physicalOf(type: DataType): Physical {
  switch (type.kind) {
    case 'BOOLEAN':
      return 'bool';
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'DATE': case 'TIME': case 'INTERVAL_YEAR_MONTH':
      return 'i32';
    case 'FLOAT': case 'DOUBLE': case 'TIMESTAMP': case 'TIMESTAMP_LTZ': case 'INTERVAL_DAY_TIME':
      return 'f64';
    case 'BIGINT': case 'DECIMAL':
      return 'i64';
    default:
      return 'obj';
  }
}

// ---- classification ----

export const isIntegerKind = (k: TypeKind): boolean => k === 'TINYINT' || k === 'SMALLINT' || k === 'INT' || k === 'BIGINT';
export const isInteger = (t: DataType): boolean => isIntegerKind(t.kind);
export const isApproximate = (t: DataType): boolean => t.kind === 'FLOAT' || t.kind === 'DOUBLE';
export const isExactNumeric = (t: DataType): boolean => isInteger(t) || t.kind === 'DECIMAL';
export const isNumeric = (t: DataType): boolean => isExactNumeric(t) || isApproximate(t);
export const isCharacter = (t: DataType): boolean => t.kind === 'CHAR' || t.kind === 'VARCHAR';
export const isBinary = (t: DataType): boolean => t.kind === 'BINARY' || t.kind === 'VARBINARY';
export const isTimestamp = (t: DataType): boolean => t.kind === 'TIMESTAMP' || t.kind === 'TIMESTAMP_LTZ';
export const isDatetime = (t: DataType): boolean => t.kind === 'DATE' || t.kind === 'TIME' || isTimestamp(t);
export const isInterval = (t: DataType): boolean => t.kind === 'INTERVAL_YEAR_MONTH' || t.kind === 'INTERVAL_DAY_TIME';
export const isNullType = (t: DataType): boolean => t.kind === 'NULL';
export const isComparable = (t: DataType): boolean => t.kind !== 'MAP' && t.kind !== 'MULTISET';

/** Digits before and after the point that an exact numeric needs, as a DECIMAL. */
export function decimalShapeOf(t: DataType): { precision: number; scale: number } {
  switch (t.kind) {
    case 'TINYINT': return { precision: 3, scale: 0 };
    case 'SMALLINT': return { precision: 5, scale: 0 };
    case 'INT': return { precision: 10, scale: 0 };
    case 'BIGINT': return { precision: 19, scale: 0 };
    case 'DECIMAL': return { precision: t.precision ?? 10, scale: t.scale ?? 0 };
    default: return { precision: 38, scale: 0 };
  }
}

const integerRank: Partial<Record<TypeKind, number>> = { TINYINT: 1, SMALLINT: 2, INT: 3, BIGINT: 4 };

/** The decimal type of a result limited to 38 digits, reducing the scale first (never below 6 if it was more). */
export function boundedDecimal(precision: number, scale: number): DataType {
  if (precision <= MAX_DECIMAL_PRECISION) return T.decimal(precision, scale);
  const intDigits = precision - scale;
  const minScale = Math.min(scale, 6);
  const newScale = Math.max(MAX_DECIMAL_PRECISION - intDigits, minScale);
  return T.decimal(MAX_DECIMAL_PRECISION, newScale);
}

/**
 * The least restrictive common type of two types (for UNION, CASE, COALESCE, IN lists, comparisons),
 * or undefined when none exists. Nullable if either is.
 */
export function commonType(a: DataType, b: DataType): DataType | undefined {
  const nul = a.nullable || b.nullable;
  const r = commonTypeIgnoringNull(a, b);
  return r === undefined ? undefined : withNullable(r, nul);
}

function commonTypeIgnoringNull(a: DataType, b: DataType): DataType | undefined {
  if (a.kind === 'NULL') return b;
  if (b.kind === 'NULL') return a;
  if (typesEqualIgnoringNull(a, b)) return withoutTimeAttribute(a);
  if (isNumeric(a) && isNumeric(b)) {
    if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE') return T.double();
    if (a.kind === 'FLOAT' || b.kind === 'FLOAT') return T.double();
    if (isInteger(a) && isInteger(b)) return integerRank[a.kind]! >= integerRank[b.kind]! ? make(a.kind) : make(b.kind);
    const da = decimalShapeOf(a);
    const db = decimalShapeOf(b);
    const scale = Math.max(da.scale, db.scale);
    const intDigits = Math.max(da.precision - da.scale, db.precision - db.scale);
    return boundedDecimal(intDigits + scale, scale);
  }
  if (isCharacter(a) && isCharacter(b)) {
    if (a.kind === 'CHAR' && b.kind === 'CHAR' && a.length === b.length) return T.char(a.length);
    return T.varchar(Math.max(a.length ?? MAX_VARCHAR_LENGTH, b.length ?? MAX_VARCHAR_LENGTH));
  }
  if (isBinary(a) && isBinary(b)) return T.varbinary(Math.max(a.length ?? 1, b.length ?? 1));
  if (isTimestamp(a) && isTimestamp(b)) {
    const p = Math.max(a.precision ?? 6, b.precision ?? 6);
    return a.kind === 'TIMESTAMP_LTZ' && b.kind === 'TIMESTAMP_LTZ' ? T.timestampLtz(p) : T.timestamp(p);
  }
  if ((a.kind === 'DATE' && isTimestamp(b)) || (b.kind === 'DATE' && isTimestamp(a))) {
    const ts = a.kind === 'DATE' ? b : a;
    return T.timestamp(ts.precision ?? 6);
  }
  if (a.kind === 'TIME' && b.kind === 'TIME') return T.time(Math.max(a.precision ?? 0, b.precision ?? 0));
  if (a.kind === b.kind && (a.kind === 'INTERVAL_DAY_TIME' || a.kind === 'INTERVAL_YEAR_MONTH')) return make(a.kind, { precision: 3 });
  if (a.kind === 'ARRAY' && b.kind === 'ARRAY') {
    const e = commonType(a.element!, b.element!);
    return e && T.array(e);
  }
  if (a.kind === 'MAP' && b.kind === 'MAP') {
    const k = commonType(a.key!, b.key!);
    const v = commonType(a.value!, b.value!);
    return k && v && T.map(k, v);
  }
  if (a.kind === 'ROW' && b.kind === 'ROW' && a.fields!.length === b.fields!.length) {
    const fields: RowField[] = [];
    for (let i = 0; i < a.fields!.length; i++) {
      const t = commonType(a.fields![i]!.type, b.fields![i]!.type);
      if (!t) return undefined;
      fields.push({ name: a.fields![i]!.name, type: t });
    }
    return T.row(fields);
  }
  return undefined;
}

/** Whether a value of `from` may be converted to `to` without an explicit CAST (widening only). */
export function canImplicitlyCast(from: DataType, to: DataType): boolean {
  if (from.kind === 'NULL') return true;
  if (typesEqualIgnoringNull(from, to)) return true;
  if (isInteger(from) && isInteger(to)) return integerRank[from.kind]! <= integerRank[to.kind]!;
  if (isExactNumeric(from) && to.kind === 'DECIMAL') {
    const f = decimalShapeOf(from);
    const t = decimalShapeOf(to);
    return t.precision - t.scale >= f.precision - f.scale && t.scale >= f.scale;
  }
  if (isNumeric(from) && (to.kind === 'DOUBLE' || to.kind === 'FLOAT')) return to.kind === 'DOUBLE' || from.kind !== 'DOUBLE';
  if (isCharacter(from) && isCharacter(to)) return true;
  if (isBinary(from) && isBinary(to)) return true;
  if (from.kind === 'DATE' && isTimestamp(to)) return true;
  if (isTimestamp(from) && isTimestamp(to)) return true;
  if (from.kind === 'TIME' && to.kind === 'TIME') return true;
  if (from.kind === 'ARRAY' && to.kind === 'ARRAY') return canImplicitlyCast(from.element!, to.element!);
  if (from.kind === 'MAP' && to.kind === 'MAP') return canImplicitlyCast(from.key!, to.key!) && canImplicitlyCast(from.value!, to.value!);
  if (from.kind === 'ROW' && to.kind === 'ROW' && from.fields!.length === to.fields!.length) {
    return from.fields!.every((f, i) => canImplicitlyCast(f.type, to.fields![i]!.type));
  }
  return false;
}

export function typesEqualIgnoringNull(a: DataType, b: DataType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'DECIMAL': return a.precision === b.precision && a.scale === b.scale;
    case 'CHAR': case 'VARCHAR': case 'BINARY': case 'VARBINARY': return a.length === b.length;
    case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return (a.precision ?? 6) === (b.precision ?? 6);
    case 'ARRAY': case 'MULTISET': return typesEqual(a.element!, b.element!);
    case 'MAP': return typesEqual(a.key!, b.key!) && typesEqual(a.value!, b.value!);
    case 'ROW':
      return a.fields!.length === b.fields!.length
        && a.fields!.every((f, i) => f.name === b.fields![i]!.name && typesEqual(f.type, b.fields![i]!.type));
    default: return true;
  }
}

export function typesEqual(a: DataType, b: DataType): boolean {
  return a.nullable === b.nullable && typesEqualIgnoringNull(a, b);
}

/** Flink's way of writing a type, e.g. `DECIMAL(10, 2) NOT NULL`, `STRING`, `TIMESTAMP(3) *ROWTIME*`. */
export function typeToString(t: DataType, withNull = true): string {
  let s: string;
  switch (t.kind) {
    case 'DECIMAL': s = `DECIMAL(${t.precision}, ${t.scale})`; break;
    case 'CHAR': s = `CHAR(${t.length})`; break;
    case 'VARCHAR': s = t.length === MAX_VARCHAR_LENGTH ? 'STRING' : `VARCHAR(${t.length})`; break;
    case 'BINARY': s = `BINARY(${t.length})`; break;
    case 'VARBINARY': s = t.length === MAX_VARCHAR_LENGTH ? 'BYTES' : `VARBINARY(${t.length})`; break;
    case 'TIME': s = `TIME(${t.precision ?? 0})`; break;
    case 'TIMESTAMP': s = `TIMESTAMP(${t.precision ?? 6})`; break;
    case 'TIMESTAMP_LTZ': s = `TIMESTAMP_LTZ(${t.precision ?? 6})`; break;
    case 'INTERVAL_YEAR_MONTH': s = 'INTERVAL YEAR TO MONTH'; break;
    case 'INTERVAL_DAY_TIME': s = 'INTERVAL DAY TO SECOND(3)'; break;
    case 'ARRAY': s = `ARRAY<${typeToString(t.element!)}>`; break;
    case 'MULTISET': s = `MULTISET<${typeToString(t.element!)}>`; break;
    case 'MAP': s = `MAP<${typeToString(t.key!)}, ${typeToString(t.value!)}>`; break;
    case 'ROW': s = `ROW<${t.fields!.map((f) => '`' + f.name + '` ' + typeToString(f.type)).join(', ')}>`; break;
    default: s = t.kind;
  }
  if (withNull && !t.nullable && t.kind !== 'NULL') s += ' NOT NULL';
  if (t.timeAttribute) s += t.timeAttribute === 'ROWTIME' ? ' *ROWTIME*' : ' *PROCTIME*';
  return s;
}
