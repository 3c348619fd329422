/**
 * OVER window functions on bounded input: ROW_NUMBER, RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST, NTILE,
 * LAG, LEAD, FIRST_VALUE, LAST_VALUE, NTH_VALUE and every aggregate over a ROWS or RANGE frame.
 *
 * Rows are sorted by (partition keys, order keys) once per distinct window specification. Frames move
 * forward monotonically, so aggregates slide: rows entering the frame are added to the accumulator and
 * rows leaving it are retracted, O(n) per partition for any frame size.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { ColumnBuilder, concatBatches } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { FrameBound, SortKey, WindowCall } from '../plan-types.ts';
import { sortedPermutation, rowComparator } from '../../types/sort/row-comparator.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import { createAccumulators } from './aggregate-calls.ts';
import { keyEncoder } from '../../types/key-encoder.ts';
import { valueAt } from '../../types/batch.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

const RANKING = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead']);
const NAVIGATION = new Set(['first_value', 'last_value', 'nth_value']);

export class OverAggregateOperator implements Operator {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly types: DataType[];
  private readonly calls: WindowCall[];
  private readonly batches: Batch[] = [];
  private rows = 0;

  constructor(out: Emitter, ctx: ExecContext, inputTypes: DataType[], calls: WindowCall[]) {
    this.out = out;
    this.ctx = ctx;
    this.types = inputTypes;
    this.calls = calls;
  }

  push(batch: Batch): void {
    this.rows += batch.length;
    this.ctx.reserveRows('OverAggregate', this.rows);
    this.batches.push(batch);
  }

  /** The value of every call for every row of `all`, in the rows' order (results[call][row]). */
  results(all: Batch): unknown[][] {
    const n = all.length;
    const results: unknown[][] = this.calls.map(() => new Array(n).fill(null));
    // calls sharing partition and order share one sort
    const bySpec = new Map<string, number[]>();
    this.calls.forEach((c, i) => {
      const key = JSON.stringify([c.partitionBy, c.orderBy]);
      const list = bySpec.get(key) ?? [];
      list.push(i);
      bySpec.set(key, list);
    });
    for (const idxs of bySpec.values()) {
      const first = this.calls[idxs[0]!]!;
      const keys: SortKey[] = [...first.partitionBy.map((index) => ({ index, desc: false, nullsFirst: true })), ...first.orderBy];
      const perm = sortedPermutation(all.columns, this.types, keys, n);
      const partEnc = keyEncoder(first.partitionBy.map((k) => this.types[k]!), first.partitionBy.map(() => true));
      const partCols = first.partitionBy.map((k) => all.columns[k]!);
      const orderCmp = rowComparator(all.columns, this.types, first.orderBy);
      let start = 0;
      while (start < n) {
        const pk = partEnc(partCols, perm[start]!);
        let end = start + 1;
        while (end < n && partEnc(partCols, perm[end]!) === pk) end++;
        const part = perm.subarray(start, end);
        // peer groups: rows with equal ORDER BY values
        const peerStart = new Int32Array(part.length);
        const peerEnd = new Int32Array(part.length);
        let ps = 0;
        for (let r = 1; r <= part.length; r++) {
          if (r === part.length || orderCmp(part[r - 1]!, part[r]!) !== 0) {
            for (let q = ps; q < r; q++) { peerStart[q] = ps; peerEnd[q] = r - 1; }
            ps = r;
          }
        }
        for (const ci of idxs) this.compute(this.calls[ci]!, all, part, peerStart, peerEnd, results[ci]!);
        start = end;
      }
    }
    return results;
  }

  end(): void {
    const all = concatBatches(this.batches, this.types);
    this.batches.length = 0;
    const n = all.length;
    const results = this.results(all);
    const outCols: Column[] = [...all.columns];
    this.calls.forEach((c, i) => {
      const b = new ColumnBuilder(physicalOf(c.type), n);
      for (const v of results[i]!) b.append(v);
      outCols.push(b.build());
    });
    const size = this.ctx.batchSize;
    for (let s = 0; s < n; s += size) {
      const e = Math.min(n, s + size);
      this.out.emit({ columns: outCols.map((c) => slice(c, s, e)), length: e - s, kinds: null });
    }
    this.out.end();
  }

  private compute(call: WindowCall, all: Batch, part: Int32Array, peerStart: Int32Array, peerEnd: Int32Array, out: unknown[]): void {
    const m = part.length;
    const fn = call.fn;
    if (RANKING.has(fn)) {
      let dense = 0;
      let nonNull: Int32Array | null = null;
      for (let r = 0; r < m; r++) {
        if (peerStart[r] === r) dense++;
        const row = part[r]!;
        switch (fn) {
          case 'row_number': out[row] = r + 1; break;
          case 'rank': out[row] = peerStart[r]! + 1; break;
          case 'dense_rank': out[row] = dense; break;
          case 'percent_rank': out[row] = m <= 1 ? 0 : peerStart[r]! / (m - 1); break;
          case 'cume_dist': out[row] = (peerEnd[r]! + 1) / m; break;
          case 'ntile': {
            const k = Number(call.constArgs[0] ?? 1);
            const base = Math.floor(m / k);
            const extra = m % k;
            // the first `extra` buckets have base + 1 rows
            const cut = extra * (base + 1);
            out[row] = r < cut ? Math.floor(r / (base + 1)) + 1 : extra + Math.floor((r - cut) / Math.max(1, base)) + 1;
            break;
          }
          case 'lag': case 'lead': {
            const off = Number(call.constArgs[0] ?? 1);
            const col = all.columns[call.args[0]!]!;
            const phys = physicalOf(this.types[call.args[0]!]!);
            let target = fn === 'lag' ? r - off : r + off;
            if (call.ignoreNulls) {
              // IGNORE NULLS: count in non-NULL rows only; `before` non-NULL rows precede this one
              nonNull ??= nonNullPositions(col, part);
              const before = lowerBound(nonNull, r);
              const at = fn === 'lag' ? before - off : before + (nonNull[before] === r ? off : off - 1);
              target = at >= 0 && at < nonNull.length ? nonNull[at]! : -1;
            }
            if (target >= 0 && target < m) out[row] = valueAt(col, phys, part[target]!);
            else out[row] = call.constArgs.length > 1 ? call.constArgs[1] : null;
            break;
          }
        }
      }
      return;
    }
    const frames = this.frameBounds(call, all, part, peerStart, peerEnd);
    if (NAVIGATION.has(fn)) {
      const col = all.columns[call.args[0]!]!;
      const phys = physicalOf(this.types[call.args[0]!]!);
      const nth = fn === 'nth_value' ? Number(call.constArgs[0] ?? 1) : 0;
      const skipNulls = call.ignoreNulls || fn !== 'nth_value';
      for (let r = 0; r < m; r++) {
        const [fs, fe] = [frames.start[r]!, frames.end[r]!];
        let v: unknown = null;
        if (fs <= fe) {
          if (fn === 'first_value') {
            for (let q = fs; q <= fe; q++) { const x = valueAt(col, phys, part[q]!); if (x !== null || !skipNulls) { v = x; break; } }
          } else if (fn === 'last_value') {
            for (let q = fe; q >= fs; q--) { const x = valueAt(col, phys, part[q]!); if (x !== null || !skipNulls) { v = x; break; } }
          } else if (fs + nth - 1 <= fe) v = valueAt(col, phys, part[fs + nth - 1]!);
        }
        out[part[r]!] = v;
      }
      return;
    }
    // aggregates over a sliding frame
    const acc = createAccumulators({ fn, args: call.args, constArgs: call.constArgs, distinct: call.distinct, filter: null, orderBy: [], ignoreNulls: call.ignoreNulls, type: call.type, name: call.name }, this.types, true);
    acc.grow(1);
    const args = call.args.map((i) => all.columns[i]!);
    const one = new Int32Array(1);
    const g0 = new Int32Array(1);
    const filter = call.filter === null ? null : all.columns[call.filter]!;
    const passes = (row: number): boolean => filter === null || ((filter.values as Uint8Array)[row] === 1 && (filter.nulls === null || filter.nulls[row] !== 1));
    let cs = 0;
    let ce = -1; // current accumulated window [cs, ce]
    for (let r = 0; r < m; r++) {
      const fs = frames.start[r]!;
      const fe = frames.end[r]!;
      if (fs > fe) {
        // empty frame: drop everything
        while (cs <= ce) { if (passes(part[cs]!)) { one[0] = part[cs]!; acc.retract(args, one, g0, 1); } cs++; }
        cs = Math.max(cs, fs);
        ce = cs - 1;
        out[part[r]!] = acc.result(0);
        continue;
      }
      if (fs > ce || fe < cs) {
        while (cs <= ce) { if (passes(part[cs]!)) { one[0] = part[cs]!; acc.retract(args, one, g0, 1); } cs++; }
        cs = fs;
        ce = fs - 1;
      }
      while (ce < fe) { ce++; if (passes(part[ce]!)) { one[0] = part[ce]!; acc.add(args, one, g0, 1); } }
      while (cs < fs) { if (passes(part[cs]!)) { one[0] = part[cs]!; acc.retract(args, one, g0, 1); } cs++; }
      out[part[r]!] = acc.result(0);
    }
  }

  /** Inclusive frame [start, end] (positions within the partition) for each row. */
  private frameBounds(call: WindowCall, all: Batch, part: Int32Array, peerStart: Int32Array, peerEnd: Int32Array): { start: Int32Array; end: Int32Array } {
    const m = part.length;
    const start = new Int32Array(m);
    const end = new Int32Array(m);
    const f = call.frame;
    let orderVals: number[] | null = null;
    const needsValues = f.units === 'range' && (f.start.kind === 'offset' || f.end.kind === 'offset');
    if (needsValues) {
      const key = call.orderBy[0];
      if (!key || call.orderBy.length !== 1) {
        throw new FreshetError(SqlState.windowingError, 'a RANGE frame with an offset needs exactly one ORDER BY column');
      }
      const col = all.columns[key.index]!;
      orderVals = Array.from(part, (row) => (col.nulls !== null && col.nulls[row] === 1 ? NaN : Number((col.values as ArrayLike<number | bigint>)[row]!)));
      if (key.desc) orderVals = orderVals.map((v) => -v);
    }
    const bound = (b: FrameBound, r: number, isStart: boolean): number => {
      switch (b.kind) {
        case 'unboundedPreceding': return 0;
        case 'unboundedFollowing': return m - 1;
        case 'currentRow': return f.units === 'rows' ? r : isStart ? peerStart[r]! : peerEnd[r]!;
        case 'offset':
          if (f.units === 'rows') return r + b.offset;
          {
            const target = orderVals![r]! + b.offset;
            if (Number.isNaN(orderVals![r]!)) return isStart ? peerStart[r]! : peerEnd[r]!;
            // first position with value >= target (start) or last with value <= target (end)
            let lo = 0;
            let hi = m;
            if (isStart) {
              while (lo < hi) { const mid = (lo + hi) >> 1; if (orderVals![mid]! < target || Number.isNaN(orderVals![mid]!)) lo = mid + 1; else hi = mid; }
              return lo;
            }
            while (lo < hi) { const mid = (lo + hi) >> 1; if (orderVals![mid]! <= target || Number.isNaN(orderVals![mid]!)) lo = mid + 1; else hi = mid; }
            return lo - 1;
          }
      }
    };
    for (let r = 0; r < m; r++) {
      start[r] = Math.max(0, bound(f.start, r, true));
      end[r] = Math.min(m - 1, bound(f.end, r, false));
    }
    return { start, end };
  }
}

/** Positions (within the partition) of the rows where `col` is not NULL, ascending. */
function nonNullPositions(col: Column, part: Int32Array): Int32Array {
  const out: number[] = [];
  for (let q = 0; q < part.length; q++) if (col.nulls === null || col.nulls[part[q]!] !== 1) out.push(q);
  return Int32Array.from(out);
}

/** The number of entries of sorted `a` below `x`. */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function slice(c: Column, s: number, e: number): Column {
  const v = c.values;
  return { values: Array.isArray(v) ? v.slice(s, e) : (v as Float64Array).subarray(s, e), nulls: c.nulls === null ? null : c.nulls.subarray(s, e) };
}
