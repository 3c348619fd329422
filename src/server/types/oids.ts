/**
 * Type OIDs the wire protocol code names, and the Freshet type a parameter of a given OID is cast to.
 * How result types are described (OID, size, modifier) is in types/pg-types.ts.
 */

export const Oid = {
  bool: 16, bytea: 17, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26, json: 114,
  float4: 700, float8: 701, unknown: 705, bpchar: 1042, varchar: 1043, date: 1082, time: 1083,
  timestamp: 1114, timestamptz: 1184, interval: 1186, numeric: 1700, uuid: 2950, jsonb: 3802,
  boolArray: 1000, int2Array: 1005, int4Array: 1007, textArray: 1009, varcharArray: 1015, int8Array: 1016,
  float4Array: 1021, float8Array: 1022, timestampArray: 1115, dateArray: 1182, timestamptzArray: 1185,
  numericArray: 1231,
} as const;

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
