/**
 * Skipping data without reading it: partitions by their values (exact), files by their min/max/NULL
 * statistics (a file is skipped only when no row in it can match). For primary-key tables only
 * predicates on key columns may skip files: every version of a key has the same key, but an old
 * version could match a value predicate that the newest version does not.
 */
import type { ColumnPredicate } from '../../connectors/connector.ts';
import { partitionMatches } from '../../connectors/filesystem/partitions.ts';
import type { TableLayout } from '../layout.ts';
import type { ManifestEntry } from '../manifest.ts';
import type { TableSchema } from '../schema.ts';
import { decodeValue, hasStats, valueComparator } from '../value-codec.ts';

/** Whether a partition passes the predicates on partition columns (exactly). */
export function partitionPasses(layout: TableLayout, partition: ManifestEntry['partition'], predicates: readonly ColumnPredicate[]): boolean {
  for (const p of predicates) {
    const k = layout.partition.indexOf(p.column);
    if (k < 0) continue;
    const t = layout.types[p.column]!;
    if (!partitionMatches(p, decodeValue(t, partition[k]), t)) return false;
  }
  return true;
}

/** Whether a file may hold rows passing the predicates (by its statistics, mapped through field ids). */
export function fileMayMatch(layout: TableLayout, fileSchema: TableSchema, e: ManifestEntry, predicates: readonly ColumnPredicate[]): boolean {
  const f = e.file;
  for (const p of predicates) {
    if (layout.partition.includes(p.column)) continue;
    if (layout.hasPrimaryKey && !layout.primaryKey.includes(p.column)) continue;
    const field = layout.schema.fields[p.column]!;
    const j = fileSchema.fields.findIndex((x) => x.id === field.id);
    if (j < 0) {
      // the column did not exist when the file was written: all its values read as NULL
      if (p.op !== 'isNull') return false;
      continue;
    }
    const t = fileSchema.fields[j]!.type;
    if (t.kind !== field.type.kind || !hasStats(t)) continue;
    const nulls = f.nullCounts[j] ?? 0;
    const rows = f.rowCount;
    if (p.op === 'isNull') {
      if (nulls === 0) return false;
      continue;
    }
    if (p.op === 'isNotNull') {
      if (nulls >= rows) return false;
      continue;
    }
    if (nulls >= rows) return false; // only NULLs: no comparison is true
    const min = decodeValue(t, f.minValues[j] ?? null);
    const max = decodeValue(t, f.maxValues[j] ?? null);
    const cmp = valueComparator(t);
    const v = p.values[0];
    switch (p.op) {
      case '=':
        if (v === null || v === undefined) return false;
        if (min !== null && cmp(v, min) < 0) return false;
        if (max !== null && cmp(v, max) > 0) return false;
        break;
      case '<': if (min !== null && v !== null && cmp(min, v) >= 0) return false; break;
      case '<=': if (min !== null && v !== null && cmp(min, v) > 0) return false; break;
      case '>': if (max !== null && v !== null && cmp(max, v) <= 0) return false; break;
      case '>=': if (max !== null && v !== null && cmp(max, v) < 0) return false; break;
      case 'in':
        if (p.values.every((x) => x === null || (min !== null && cmp(x, min) < 0) || (max !== null && cmp(x, max) > 0))) return false;
        break;
      default:
        break;
    }
  }
  return true;
}
