/**
 * Hash join (and nested-loop join, which is a hash join on no keys). The build input is hashed on its
 * key columns; the probe input streams through, finds candidate rows by key, filters them with the
 * residual condition, and emits according to the join type:
 *
 * - inner: matching pairs
 * - left/right/full outer: also unmatched rows of the preserved side(s), NULL-padded
 * - semi / anti: left rows with / without a match (build side must be the right input)
 * - mark: every left row plus a BOOLEAN column: TRUE if matched; for NOT IN/IN (null-aware) NULL when
 *   unknown, i.e. no match but the left key or some right key is NULL
 * - single: left outer join that fails when a left row matches more than one right row (scalar subqueries)
 *
 * Output columns are always left columns then right columns, whichever side is hashed.
 */
import type { Batch, Column } from '../../types/batch.ts';
import { concatBatches, emptyColumn, gatherColumn, gatherColumnOrNull } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { physicalOf } from '../../types/data-type.ts';
import type { BoundExpr } from '../expr/expr.ts';
import { compilePairPredicate, type PairPredicateKernel } from '../expr/compile.ts';
import { keyEncoder, type KeyEncoder, type KeyValue } from '../../types/key-encoder.ts';
import { NumberTable } from '../../util/number-table.ts';
import type { Emitter, ExecContext, Operator } from '../operator.ts';
import type { PhysicalJoinType } from '../physical-plan.ts';
import { FreshetError, SqlState } from '../../util/errors.ts';

export interface JoinSpec {
  joinType: PhysicalJoinType;
  leftTypes: DataType[];
  rightTypes: DataType[];
  leftKeys: number[];
  rightKeys: number[];
  nullSafe: boolean[];
  residual: BoundExpr | null;
  buildSide: 'left' | 'right';
  nullAware: boolean;
  /** Output columns to materialize (indices of the join's output), or null for all. */
  outputColumns: number[] | null;
}

/** Growable pair buffers (probe row, build row). */
class Pairs {
  probe = new Int32Array(1024);
  build = new Int32Array(1024);
  n = 0;

  push(p: number, b: number): void {
    if (this.n === this.probe.length) {
      const np = new Int32Array(this.n * 2);
      np.set(this.probe);
      this.probe = np;
      const nb = new Int32Array(this.n * 2);
      nb.set(this.build);
      this.build = nb;
    }
    this.probe[this.n] = p;
    this.build[this.n++] = b;
  }
}

export class HashJoinOperator implements Operator {
  private readonly out: Emitter;
  private readonly ctx: ExecContext;
  private readonly spec: JoinSpec;
  private readonly buildPort: number;
  private readonly buildTypes: DataType[];
  private readonly probeTypes: DataType[];
  private readonly buildKeyIdx: number[];
  private readonly probeKeyIdx: number[];
  private readonly buildEncode: KeyEncoder;
  private readonly probeEncode: KeyEncoder;
  private readonly residual: PairPredicateKernel | null;

  private buildBatches: Batch[] = [];
  private buildRows = 0;
  private build: Batch | null = null;
  private heads = new Map<KeyValue, number>();
  /** One numeric key column: heads live in a typed table instead of `heads`. */
  private readonly numericKey: boolean;
  private numberHeads: NumberTable | null = null;
  /** Integer build keys in a small range: heads indexed directly by key - min (a perfect hash). */
  private dense: { heads: Int32Array; min: number; range: number; unique: boolean } | null = null;
  /** Output columns to materialize, or null for all. */
  private readonly keep: number[] | null;
  /** Pair buffers reused by every probe batch (emitted before the next batch arrives). */
  private readonly pairs = new Pairs();
  private next = new Int32Array(0);
  private buildHasNullKey = false;
  private buildMatched: Uint8Array | null = null;
  private waiting: Batch[] = [];
  private probeEnded = false;
  private ended = false;

  constructor(out: Emitter, ctx: ExecContext, spec: JoinSpec) {
    this.out = out;
    this.ctx = ctx;
    this.spec = spec;
    const buildLeft = spec.buildSide === 'left';
    this.buildPort = buildLeft ? 0 : 1;
    this.keep = spec.outputColumns;
    this.buildTypes = buildLeft ? spec.leftTypes : spec.rightTypes;
    this.probeTypes = buildLeft ? spec.rightTypes : spec.leftTypes;
    this.buildKeyIdx = buildLeft ? spec.leftKeys : spec.rightKeys;
    this.probeKeyIdx = buildLeft ? spec.rightKeys : spec.leftKeys;
    const keyTypes = spec.leftKeys.map((k) => spec.leftTypes[k]!);
    this.buildEncode = keyEncoder(this.buildKeyIdx.map((k) => this.buildTypes[k]!), spec.nullSafe);
    this.probeEncode = keyEncoder(keyTypes.map((_, i) => this.probeTypes[this.probeKeyIdx[i]!]!), spec.nullSafe);
    this.residual = spec.residual ? compilePairPredicate(spec.residual, spec.leftTypes, spec.rightTypes, ctx.env) : null;
    const p = keyTypes.length === 1 ? physicalOf(keyTypes[0]!) : null;
    this.numericKey = (p === 'i32' || p === 'f64' || p === 'i64') && !spec.nullSafe[0];
    const t = spec.joinType;
    if ((t === 'semi' || t === 'anti' || t === 'mark' || t === 'single') && buildLeft) {
      throw new FreshetError(SqlState.internalError, `internal error: ${t} join must hash its right input`);
    }
  }

  private get preserveBuild(): boolean {
    const t = this.spec.joinType;
    return t === 'full' || (t === 'left' && this.spec.buildSide === 'left') || (t === 'right' && this.spec.buildSide === 'right');
  }

  private get preserveProbe(): boolean {
    const t = this.spec.joinType;
    return t === 'full' || (t === 'left' && this.spec.buildSide === 'right') || (t === 'right' && this.spec.buildSide === 'left');
  }

  private heldWatermark: number | null = null;

  push(batch: Batch, port: number): void {
    if (port === this.buildPort) {
      this.buildRows += batch.length;
      this.ctx.reserveRows('HashJoin build side', this.buildRows);
      this.buildBatches.push(batch);
      return;
    }
    if (this.build === null) {
      this.waiting.push(batch);
      return;
    }
    this.probe(batch);
  }

  /**
   * The probe side's watermark passes through (a lookup join in a streaming job); while probe rows wait
   * for the build side it is held back, so those rows are not late when they come out.
   */
  watermark(wm: number, port: number): void {
    if (port === this.buildPort) return;
    if (this.build === null) this.heldWatermark = wm;
    else this.out.watermark(wm);
  }

  idle(flag: boolean, port: number): void {
    if (port !== this.buildPort) this.out.idle(flag);
  }

  end(port: number): void {
    if (port === this.buildPort) {
      this.finishBuild();
      for (const b of this.waiting) this.probe(b);
      this.waiting = [];
      if (this.heldWatermark !== null) this.out.watermark(this.heldWatermark);
      this.heldWatermark = null;
      if (this.probeEnded) this.finish();
    } else {
      this.probeEnded = true;
      if (this.build !== null) this.finish();
    }
  }

  private finishBuild(): void {
    const b = concatBatches(this.buildBatches, this.buildTypes);
    this.buildBatches = [];
    this.build = b;
    const n = b.length;
    const next = new Int32Array(n).fill(-1);
    const heads = this.heads;
    const keyCols = this.buildKeyIdx.map((k) => b.columns[k]!);
    if (this.numericKey && !Array.isArray(keyCols[0]!.values)) {
      this.finishNumericBuild(keyCols[0]!, next);
      return;
    }
    // insert in reverse so chains list rows in input order
    for (let i = n - 1; i >= 0; i--) {
      const key = this.buildEncode(keyCols, i);
      if (key === undefined) {
        this.buildHasNullKey = true;
        continue;
      }
      const h = heads.get(key);
      if (h !== undefined) next[i] = h;
      heads.set(key, i);
    }
    this.next = next;
    if (this.preserveBuild) this.buildMatched = new Uint8Array(n);
  }

  /** Build side with one numeric key: heads in a typed hash table, chains in `next`. */
  private finishNumericBuild(col: Column, next: Int32Array<ArrayBuffer>): void {
    const n = next.length;
    if (this.tryDenseBuild(col, next)) return;
    const table = new NumberTable(Math.max(16, n));
    const vals = col.values as Float64Array | Int32Array;
    const nulls = col.nulls;
    for (let i = n - 1; i >= 0; i--) {
      if (nulls !== null && nulls[i] === 1) {
        this.buildHasNullKey = true;
        continue;
      }
      const h = table.getOrInsert(vals[i]!, i);
      if (h !== i) {
        next[i] = h;
        table.set(vals[i]!, i);
      }
    }
    this.numberHeads = table;
    this.next = next;
    if (this.preserveBuild) this.buildMatched = new Uint8Array(n);
  }

  /**
   * When every build key is an integer and they span at most a few times as many values as there are
   * rows (ids, dates, small codes), heads go in an array indexed by key - min: one memory access per probe.
   */
  private tryDenseBuild(col: Column, next: Int32Array<ArrayBuffer>): boolean {
    const n = next.length;
    const vals = col.values as Float64Array | Int32Array;
    const nulls = col.nulls;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      if (nulls !== null && nulls[i] === 1) continue;
      const v = vals[i]!;
      if (!Number.isInteger(v)) return false;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = max - min + 1;
    if (!(range > 0) || range > Math.max(4 * n, 4096) || range > 1 << 27) return false;
    const heads = new Int32Array(range).fill(-1);
    let unique = true;
    for (let i = n - 1; i >= 0; i--) {
      if (nulls !== null && nulls[i] === 1) {
        this.buildHasNullKey = true;
        continue;
      }
      const d = vals[i]! - min;
      const h = heads[d]!;
      if (h >= 0) unique = false;
      next[i] = h;
      heads[d] = i;
    }
    this.dense = { heads, min, range, unique };
    this.next = next;
    if (this.preserveBuild) this.buildMatched = new Uint8Array(n);
    return true;
  }

  private probe(batch: Batch): void {
    const build = this.build!;
    const t = this.spec.joinType;
    const n = batch.length;
    const keyCols = this.probeKeyIdx.map((k) => batch.columns[k]!);
    const pairs = this.pairs;
    pairs.n = 0;
    const probeKeyNull = this.spec.nullAware || t === 'mark' ? new Uint8Array(n) : null;
    if (this.dense !== null) {
      const col = keyCols[0]!;
      const vals = col.values as ArrayLike<number | bigint>;
      const nulls = col.nulls;
      const { heads, min, range, unique } = this.dense;
      const next = this.next;
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) {
          if (probeKeyNull) probeKeyNull[i] = 1;
          continue;
        }
        const v = vals[i]!;
        if (typeof v !== 'number') continue;
        const d = v - min;
        // build keys are integers in [min, min + range): anything else cannot match
        if (!(d >= 0 && d < range) || (d | 0) !== d) continue;
        let j = heads[d]!;
        if (unique) {
          // a key join on the build side's primary key: no chain to follow
          if (j >= 0) pairs.push(i, j);
          continue;
        }
        while (j >= 0) {
          pairs.push(i, j);
          j = next[j]!;
        }
      }
    } else if (this.numberHeads !== null) {
      const col = keyCols[0]!;
      const vals = col.values as ArrayLike<number | bigint>;
      const nulls = col.nulls;
      const table = this.numberHeads;
      const next = this.next;
      for (let i = 0; i < n; i++) {
        if (nulls !== null && nulls[i] === 1) {
          if (probeKeyNull) probeKeyNull[i] = 1;
          continue;
        }
        const v = vals[i]!;
        // a bigint probe key cannot equal a build key (all build keys were safe numbers)
        if (typeof v !== 'number') continue;
        let j = table.get(v);
        while (j >= 0) {
          pairs.push(i, j);
          j = next[j]!;
        }
      }
    } else for (let i = 0; i < n; i++) {
      const key = this.probeEncode(keyCols, i);
      if (key === undefined) {
        if (probeKeyNull) probeKeyNull[i] = 1;
        continue;
      }
      let j = this.heads.get(key);
      while (j !== undefined && j >= 0) {
        pairs.push(i, j);
        j = this.next[j]!;
      }
    }
    let pi = pairs.probe.subarray(0, pairs.n);
    let bi = pairs.build.subarray(0, pairs.n);
    let m = pairs.n;
    if (this.residual !== null && m > 0) {
      const buildLeft = this.spec.buildSide === 'left';
      const r = buildLeft ? this.residual(build, batch, bi, pi, m) : this.residual(batch, build, pi, bi, m);
      const sel = r.sel;
      const np = new Int32Array(r.n);
      const nb = new Int32Array(r.n);
      for (let k = 0; k < r.n; k++) {
        np[k] = pi[sel[k]!]!;
        nb[k] = bi[sel[k]!]!;
      }
      pi = np;
      bi = nb;
      m = r.n;
    }

    if (t === 'semi' || t === 'anti' || t === 'mark' || t === 'single') {
      this.emitLeftOnly(batch, pi, bi, m, probeKeyNull);
      return;
    }
    if (this.buildMatched !== null) for (let k = 0; k < m; k++) this.buildMatched[bi[k]!] = 1;
    if (this.preserveProbe) {
      const matched = new Uint8Array(n);
      for (let k = 0; k < m; k++) matched[pi[k]!] = 1;
      let unmatched = 0;
      for (let i = 0; i < n; i++) if (matched[i] === 0) unmatched++;
      if (unmatched > 0) {
        const np = new Int32Array(m + unmatched);
        const nb = new Int32Array(m + unmatched);
        np.set(pi.subarray(0, m));
        nb.set(bi.subarray(0, m));
        let o = m;
        for (let i = 0; i < n; i++) if (matched[i] === 0) { np[o] = i; nb[o++] = -1; }
        pi = np;
        bi = nb;
        m = o;
      }
    }
    this.emitPairs(batch, pi, bi, m);
  }

  /** Emits joined rows; a build index of -1 means NULLs for the build side. Gathers only the kept columns. */
  private emitPairs(probe: Batch, pi: Int32Array, bi: Int32Array, m: number, probeIsNull = false): void {
    if (m === 0) return;
    const build = this.build!;
    const size = this.ctx.batchSize;
    // only outer joins pad the build side with NULLs (index -1)
    const padded = this.preserveProbe || probeIsNull || this.spec.joinType === 'single';
    const buildRight = this.spec.buildSide === 'right';
    const leftWidth = this.spec.leftTypes.length;
    const width = leftWidth + this.spec.rightTypes.length;
    const wanted = this.keep ?? Array.from({ length: width }, (_, i) => i);
    for (let start = 0; start < m; start += size) {
      const cnt = Math.min(size, m - start);
      const ps = pi.subarray(start, start + cnt);
      const bs = bi.subarray(start, start + cnt);
      const columns: Column[] = wanted.map((c) => {
        const fromBuild = buildRight ? c >= leftWidth : c < leftWidth;
        const local = c < leftWidth ? c : c - leftWidth;
        if (fromBuild) {
          const phys = physicalOf(this.buildTypes[local]!);
          return padded ? gatherColumnOrNull(build.columns[local]!, phys, bs, cnt) : gatherColumn(build.columns[local]!, phys, bs, cnt);
        }
        const phys = physicalOf(this.probeTypes[local]!);
        return probeIsNull ? gatherColumnOrNull(probe.columns[local]!, phys, ps, cnt) : gatherColumn(probe.columns[local]!, phys, ps, cnt);
      });
      let kinds: Uint8Array | null = null;
      if (probe.kinds !== null && !probeIsNull) {
        kinds = new Uint8Array(cnt);
        for (let k = 0; k < cnt; k++) kinds[k] = probe.kinds[ps[k]!]!;
      }
      this.out.emit({ columns, length: cnt, kinds });
    }
  }


  private emitLeftOnly(batch: Batch, pi: Int32Array, bi: Int32Array, m: number, probeKeyNull: Uint8Array | null): void {
    const t = this.spec.joinType;
    const n = batch.length;
    const counts = new Int32Array(n);
    for (let k = 0; k < m; k++) counts[pi[k]!]!++;
    const buildEmpty = this.build!.length === 0;
    if (t === 'semi' || t === 'anti') {
      const keep = new Int32Array(n);
      let o = 0;
      for (let i = 0; i < n; i++) {
        let pass = t === 'semi' ? counts[i]! > 0 : counts[i] === 0;
        if (t === 'anti' && pass && this.spec.nullAware && !buildEmpty && (this.buildHasNullKey || probeKeyNull![i] === 1)) pass = false;
        if (pass) keep[o++] = i;
      }
      if (o === 0) return;
      const cols = batch.columns.map((c, i) => gatherColumn(c, physicalOf(this.probeTypes[i]!), keep, o));
      this.out.emit({ columns: this.keep === null ? cols : this.keep.map((c) => cols[c]!), length: o, kinds: null });
      return;
    }
    if (t === 'mark') {
      const vals = new Uint8Array(n);
      let nulls: Uint8Array | null = null;
      for (let i = 0; i < n; i++) {
        if (counts[i]! > 0) vals[i] = 1;
        else if (this.spec.nullAware && !buildEmpty && (this.buildHasNullKey || probeKeyNull![i] === 1)) {
          nulls ??= new Uint8Array(n);
          nulls[i] = 1;
        }
      }
      const cols = [...batch.columns, { values: vals, nulls }];
      this.out.emit({ columns: this.keep === null ? cols : this.keep.map((c) => cols[c]!), length: n, kinds: null });
      return;
    }
    // single: at most one match per left row
    const match = new Int32Array(n).fill(-1);
    for (let k = 0; k < m; k++) {
      const i = pi[k]!;
      if (counts[i]! > 1) {
        throw new FreshetError(SqlState.cardinalityViolation, 'more than one row returned by a subquery used as an expression', {
          hint: 'Make the subquery return one row per outer row (aggregate it, or add LIMIT 1), or join instead.',
        });
      }
      match[i] = bi[k]!;
    }
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    this.emitPairs(batch, all, match, n);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.buildMatched !== null) {
      const bm = this.buildMatched;
      const rows: number[] = [];
      for (let i = 0; i < bm.length; i++) if (bm[i] === 0) rows.push(i);
      if (rows.length > 0) {
        // NULLs on the probe side: emitPairs with the probe index -1 via a one-row dummy
        const bi = Int32Array.from(rows);
        const pi = new Int32Array(rows.length).fill(-1);
        const empty: Batch = { columns: this.probeTypes.map((t) => emptyColumn(physicalOf(t))), length: 0, kinds: null };
        this.emitPairs(empty, pi, bi, rows.length, true);
      }
    }
    this.out.end();
  }
}
