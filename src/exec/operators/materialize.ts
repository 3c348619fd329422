/**
 * The table a changelog adds up to, as insert-only batches: +I/+U add a copy of a row, -U/-D remove one
 * (a removal of a row that is not there is ignored). Batch mode reads changelog sources (debezium-json
 * files, changelog values tables) this way, so a batch query sees what a streaming query's result ends
 * at. Rows keep the order in which they first appeared.
 */
import type { Batch } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { KeySlots, type KeySlotsSnapshot } from '../../state/key-slots.ts';
import { growF64 } from '../../util/grow.ts';
import type { Emitter, Operator } from '../operator.ts';
import { f64From, head, snapshotOf, stateOf, type Checkpointable, type OperatorSnapshot } from '../stream/checkpointable.ts';

const KIND = 'Materialize';
const VERSION = 1;

interface MaterializerState {
  rows: KeySlotsSnapshot;
  counts: Float64Array;
}

export class ChangelogMaterializer {
  private readonly rows: KeySlots;
  private counts = new Float64Array(256);

  constructor(types: readonly DataType[]) {
    this.rows = new KeySlots(types);
  }

  add(batch: Batch): void {
    const n = batch.length;
    if (n === 0) return;
    const slots = this.rows.slots(batch.columns, null, n);
    this.counts = growF64(this.counts, this.rows.capacity);
    const kinds = batch.kinds;
    for (let i = 0; i < n; i++) {
      const k = kinds === null ? 0 : kinds[i]!;
      const s = slots[i]!;
      if (k === 0 || k === 2) this.counts[s]!++;
      else if (this.counts[s]! > 0) this.counts[s]!--;
    }
  }

  exportState(): MaterializerState {
    return { rows: this.rows.exportState(), counts: head(this.counts, this.rows.capacity) };
  }

  importState(s: MaterializerState): void {
    this.rows.importState(s.rows);
    this.counts = f64From(s.counts, 256);
  }

  /** The rows, each as many times as its count, in batches of at most `batchSize`. */
  *batches(batchSize: number): IterableIterator<Batch> {
    const ids: number[] = [];
    const flush = (): Batch => {
      const b: Batch = { columns: this.rows.keys.gather(ids, ids.length), length: ids.length, kinds: null };
      ids.length = 0;
      return b;
    };
    for (let s = 0; s < this.rows.capacity; s++) {
      for (let c = this.counts[s]!; c > 0; c--) {
        ids.push(s);
        if (ids.length === batchSize) yield flush();
      }
    }
    if (ids.length > 0) yield flush();
  }
}

/**
 * A bounded changelog input turned into the rows it adds up to, emitted when it ends: the table side of
 * a lookup join whose table is a changelog.
 */
export class MaterializeOperator implements Operator, Checkpointable {
  private readonly out: Emitter;
  private readonly rows: ChangelogMaterializer;
  private readonly batchSize: number;

  constructor(out: Emitter, types: readonly DataType[], batchSize: number) {
    this.out = out;
    this.rows = new ChangelogMaterializer(types);
    this.batchSize = batchSize;
  }

  push(batch: Batch): void {
    this.rows.add(batch);
  }

  snapshotState(): OperatorSnapshot {
    return snapshotOf(KIND, VERSION, this.rows.exportState());
  }

  restoreState(snap: OperatorSnapshot): void {
    this.rows.importState(stateOf<MaterializerState>(snap, KIND, VERSION));
  }

  watermark(): void {
    // the table side's time does not reach the output: lookups happen in processing time
  }

  idle(): void {}

  end(): void {
    for (const b of this.rows.batches(this.batchSize)) this.out.emit(b);
    this.out.end();
  }
}
