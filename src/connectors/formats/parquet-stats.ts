/**
 * Row-group statistics of a Parquet file, for skipping row groups that cannot satisfy a predicate.
 *
 * From the footer (parquet-footer.ts) this keeps each top-level column's min, max and NULL count per row
 * group. Values are decoded by the column's physical type and interpreted with the Arrow type
 * parquet-wasm reports, giving the same internal values the reader produces. Anything unusual (nested
 * columns, unsigned or INT96 values, NaN bounds) yields "unknown", which never skips.
 */
import { Type, type DataType as ArrowType, type Schema } from 'apache-arrow';
import type { DataType } from '../../types/data-type.ts';
import { normalize } from '../../types/int64.ts';
import { comparatorFor } from '../../types/value.ts';
import type { ColumnPredicate } from '../connector.ts';
import type { Footer } from './parquet-footer.ts';

interface ColumnStats {
  min: unknown;
  max: unknown;
  nullCount: number | undefined;
}

export interface FileStats {
  /** Per row group: top-level column name → statistics. */
  groups: Map<string, ColumnStats>[];
  rows: number[];
  /** Arrow type of each top-level column, which says how to compare its statistics. */
  types: Map<string, ArrowType>;
}

// ---------------------------------------------------------------- values

const PHYS_INT32 = 1;
const PHYS_INT64 = 2;
const PHYS_FLOAT = 4;
const PHYS_DOUBLE = 5;
const PHYS_BYTE_ARRAY = 6;
const PHYS_FIXED = 7;

function le64(b: Uint8Array): number | bigint {
  const dv = new DataView(b.buffer, b.byteOffset, 8);
  return normalize(dv.getBigInt64(0, true));
}

/** A big-endian two's complement integer (decimals stored as byte arrays). */
function be(b: Uint8Array): number | bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return normalize(BigInt.asIntN(b.length * 8, v));
}

/** Decodes a statistics value into the internal representation of the column's natural SQL type. */
function decode(b: Uint8Array, physical: number, a: ArrowType): unknown {
  const t = a as ArrowType & Record<string, unknown>;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (a.typeId) {
    case Type.Int:
      if (!t['isSigned']) return undefined;
      if (physical === PHYS_INT32 && b.length === 4) return dv.getInt32(0, true);
      if (physical === PHYS_INT64 && b.length === 8) return le64(b);
      return undefined;
    case Type.Float: {
      const v = physical === PHYS_FLOAT && b.length === 4 ? dv.getFloat32(0, true) : physical === PHYS_DOUBLE && b.length === 8 ? dv.getFloat64(0, true) : NaN;
      return Number.isNaN(v) ? undefined : v;
    }
    case Type.Decimal:
      if (physical === PHYS_INT32 && b.length === 4) return dv.getInt32(0, true);
      if (physical === PHYS_INT64 && b.length === 8) return le64(b);
      if ((physical === PHYS_FIXED || physical === PHYS_BYTE_ARRAY) && b.length > 0) return be(b);
      return undefined;
    case Type.Utf8: case Type.LargeUtf8:
      return physical === PHYS_BYTE_ARRAY ? new TextDecoder().decode(b) : undefined;
    case Type.Date:
      return physical === PHYS_INT32 && b.length === 4 && t['unit'] === 0 ? dv.getInt32(0, true) : undefined;
    case Type.Timestamp: {
      if (physical !== PHYS_INT64 || b.length !== 8) return undefined;
      const v = le64(b);
      if (typeof v !== 'number') return undefined;
      const unit = t['unit'] as number;
      return unit === 0 ? v * 1000 : unit === 1 ? v : unit === 2 ? v / 1000 : v / 1_000_000;
    }
    default:
      return undefined;
  }
}

/** Whether a file column's natural values compare directly with predicate values of the table type. */
function sameFamily(a: ArrowType, t: DataType): boolean {
  const at = a as ArrowType & Record<string, unknown>;
  switch (a.typeId) {
    case Type.Int: return t.kind === 'TINYINT' || t.kind === 'SMALLINT' || t.kind === 'INT' || t.kind === 'BIGINT';
    case Type.Float: return t.kind === 'FLOAT' || t.kind === 'DOUBLE';
    case Type.Decimal: return t.kind === 'DECIMAL' && t.scale === at['scale'];
    case Type.Utf8: case Type.LargeUtf8: return t.kind === 'VARCHAR';
    case Type.Date: return t.kind === 'DATE';
    case Type.Timestamp: return t.kind === 'TIMESTAMP' || t.kind === 'TIMESTAMP_LTZ';
    default: return false;
  }
}

/** Column types whose predicates can use statistics. */
export function statsComparable(t: DataType): boolean {
  switch (t.kind) {
    case 'TINYINT': case 'SMALLINT': case 'INT': case 'BIGINT': case 'FLOAT': case 'DOUBLE': case 'DECIMAL':
    case 'VARCHAR': case 'DATE': case 'TIMESTAMP': case 'TIMESTAMP_LTZ':
      return true;
    default:
      return false;
  }
}

/** The statistics of every row group, keyed by top-level column name, from a parsed footer. */
export function rowGroupStats(footer: Footer, schema: Schema): FileStats {
  const types = new Map(schema.fields.map((f) => [f.name, f.type] as const));
  const groups = footer.rowGroups.map((g) => {
    const m = new Map<string, ColumnStats>();
    for (const c of g.columns) {
      if (c.path.length !== 1) continue;
      const a = types.get(c.path[0]!);
      if (a === undefined) continue;
      let min: unknown;
      let max: unknown;
      try {
        min = c.min === undefined ? undefined : decode(c.min, c.physical, a);
        max = c.max === undefined ? undefined : decode(c.max, c.physical, a);
      } catch {
        min = max = undefined;
      }
      m.set(c.path[0]!, { min, max, nullCount: c.nullCount });
    }
    return m;
  });
  return { groups, rows: footer.rowGroups.map((g) => g.rows), types };
}

/** False only when row group g certainly has no row satisfying `p` on column `field`. */
export function rowGroupMayMatch(stats: FileStats, g: number, p: ColumnPredicate, field: { name: string; type: DataType }): boolean {
  const s = stats.groups[g]?.get(field.name);
  const rows = stats.rows[g] ?? 0;
  if (s === undefined) return true;
  const a = stats.types.get(field.name);
  if (a === undefined || !sameFamily(a, field.type)) return true;
  const allNull = s.nullCount !== undefined && s.nullCount >= rows;
  if (p.op === 'isNull') return s.nullCount === undefined || s.nullCount > 0;
  if (p.op === 'isNotNull') return !allNull;
  if (allNull) return false;
  const { min, max } = s;
  if (min === undefined || max === undefined) return true;
  const cmp = comparatorFor(field.type);
  const within = (v: unknown): boolean => cmp(min, v) <= 0 && cmp(v, max) <= 0;
  switch (p.op) {
    case '=': return within(p.values[0]);
    case 'in': return p.values.some(within);
    case '<': return cmp(min, p.values[0]) < 0;
    case '<=': return cmp(min, p.values[0]) <= 0;
    case '>': return cmp(max, p.values[0]) > 0;
    case '>=': return cmp(max, p.values[0]) >= 0;
    case '<>': return !(cmp(min, p.values[0]) === 0 && cmp(max, p.values[0]) === 0);
    default: return true;
  }
}
