/**
 * How Freshet's SQL types look to Postgres clients: type OID, type size and type modifier for
 * RowDescription, and the Freshet type a parameter of a given OID is cast to.
 */
import type { DataType } from '../../types/data-type.ts';
import { MAX_VARCHAR_LENGTH } from '../../types/data-type.ts';

export const Oid = {
  bool: 16, bytea: 17, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26, json: 114,
  float4: 700, float8: 701, unknown: 705, bpchar: 1042, varchar: 1043, date: 1082, time: 1083,
  timestamp: 1114, timestamptz: 1184, interval: 1186, numeric: 1700, uuid: 2950, jsonb: 3802,
  boolArray: 1000, int2Array: 1005, int4Array: 1007, textArray: 1009, varcharArray: 1015, int8Array: 1016,
  float4Array: 1021, float8Array: 1022, timestampArray: 1115, dateArray: 1182, timestamptzArray: 1185,
  numericArray: 1231,
} as const;

/** The OID a column of this type is described with. Nested types without a Postgres match are text. */
export function oidOf(t: DataType): number {
  switch (t.kind) {
    case 'BOOLEAN': return Oid.bool;
    case 'TINYINT': case 'SMALLINT': return Oid.int2;
    case 'INT': return Oid.int4;
    case 'BIGINT': return Oid.int8;
    case 'FLOAT': return Oid.float4;
    case 'DOUBLE': return Oid.float8;
    case 'DECIMAL': return Oid.numeric;
    case 'CHAR': return Oid.bpchar;
    case 'VARCHAR': return (t.length ?? MAX_VARCHAR_LENGTH) >= MAX_VARCHAR_LENGTH ? Oid.text : Oid.varchar;
    case 'BINARY': case 'VARBINARY': return Oid.bytea;
    case 'DATE': return Oid.date;
    case 'TIME': return Oid.time;
    case 'TIMESTAMP': return Oid.timestamp;
    case 'TIMESTAMP_LTZ': return Oid.timestamptz;
    case 'INTERVAL_YEAR_MONTH': case 'INTERVAL_DAY_TIME': return Oid.interval;
    case 'ARRAY': return arrayOidOf(t.element!);
    default: return Oid.text;
  }
}

function arrayOidOf(e: DataType): number {
  switch (oidOf(e)) {
    case Oid.bool: return Oid.boolArray;
    case Oid.int2: return Oid.int2Array;
    case Oid.int4: return Oid.int4Array;
    case Oid.int8: return Oid.int8Array;
    case Oid.float4: return Oid.float4Array;
    case Oid.float8: return Oid.float8Array;
    case Oid.numeric: return Oid.numericArray;
    case Oid.varchar: case Oid.bpchar: return Oid.varcharArray;
    case Oid.date: return Oid.dateArray;
    case Oid.timestamp: return Oid.timestampArray;
    case Oid.timestamptz: return Oid.timestamptzArray;
    default: return Oid.textArray;
  }
}

/** pg_type.typlen: bytes of a fixed-size type, -1 for variable size. */
export function typeSize(oid: number): number {
  switch (oid) {
    case Oid.bool: case 18: return 1;
    case Oid.int2: return 2;
    case Oid.int4: case Oid.float4: case Oid.date: case Oid.oid: case 2205: case 2206: case 4089: return 4;
    case Oid.name: return 64;
    case Oid.int8: case Oid.float8: case Oid.time: case Oid.timestamp: case Oid.timestamptz: return 8;
    case Oid.interval: return 16;
    default: return -1;
  }
}

/** atttypmod: length + 4 for character types, (precision << 16 | scale) + 4 for numeric, precision for times. */
export function typeModifier(t: DataType): number {
  switch (t.kind) {
    case 'CHAR': return (t.length ?? 1) + 4;
    case 'VARCHAR': return (t.length ?? MAX_VARCHAR_LENGTH) >= MAX_VARCHAR_LENGTH ? -1 : t.length! + 4;
    case 'DECIMAL': return (((t.precision ?? 10) << 16) | (t.scale ?? 0)) + 4;
    case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ': return t.precision ?? 6;
    default: return -1;
  }
}

/** The Freshet type a parameter declared with `oid` is cast to, or undefined when the OID says nothing (0, unknown, text-like kept as text). */
export function sqlTypeOfOid(oid: number): string | undefined {
  switch (oid) {
    case Oid.bool: return 'BOOLEAN';
    case Oid.int2: return 'SMALLINT';
    case Oid.int4: case Oid.oid: return 'INT';
    case Oid.int8: return 'BIGINT';
    case Oid.float4: return 'FLOAT';
    case Oid.float8: return 'DOUBLE';
    case Oid.numeric: return 'DECIMAL(38, 10)';
    case Oid.text: case Oid.varchar: case Oid.bpchar: case Oid.name: case Oid.json: case Oid.jsonb: case Oid.uuid: return 'STRING';
    case Oid.bytea: return 'BYTES';
    case Oid.date: return 'DATE';
    case Oid.time: return 'TIME(6)';
    case Oid.timestamp: return 'TIMESTAMP(6)';
    case Oid.timestamptz: return 'TIMESTAMP_LTZ(6)';
    default: return undefined;
  }
}
