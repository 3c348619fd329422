/**
 * The runtime contract of operators. Operators are push-based and synchronous: a producer calls
 * `push(batch, port)` and the operator emits zero or more batches downstream before returning. Only
 * sources (and sinks that write files) are asynchronous, with one await per batch, never per row.
 */
import type { Batch } from '../types/batch.ts';
import type { CompileEnv } from './expr/compile.ts';
import type { StateBackend } from '../state/backend.ts';

/** Where an operator sends its output. */
export interface Emitter {
  emit(batch: Batch): void;
  /** No more batches will come. */
  end(): void;
  /** Event time has advanced to `wm` (milliseconds): no row with an earlier time should follow. */
  watermark(wm: number): void;
  /**
   * The input went idle (no rows for `table.exec.source.idle-timeout`) or became active again. An idle
   * input does not hold back the watermark of operators that merge several inputs.
   */
  idle(idle: boolean): void;
}

export interface Operator {
  /** A batch arrives on input `port` (0 for single-input operators; joins: 0 = left, 1 = right). */
  push(batch: Batch, port: number): void;
  /** Input `port` has no more batches. */
  end(port: number): void;
  /**
   * The watermark of input `port` advanced. Operators without event-time logic forward it (one input)
   * or forward the minimum over their inputs; operators that fire on event time (windows, interval
   * joins) do so here.
   */
  watermark?(wm: number, port: number): void;
  /** Input `port` went idle or became active again (see Emitter.idle). */
  idle?(idle: boolean, port: number): void;
}

/** Processing time, as the running job sees it: the wall clock, or a clock a test moves by hand. */
export interface Clock {
  now(): number;
  /**
   * Resolves once the clock has reached `time` (delays such as a restart's back-off), or once `signal`
   * is aborted. Clocks without it are polled (see sleepUntil).
   */
  sleepUntil?(time: number, signal?: AbortSignal): Promise<void>;
}

export const wallClock: Clock = {
  now: () => Date.now(),
  sleepUntil: async (time, signal) => {
    // timers may fire a little early: wait again until the clock has really got there
    while (Date.now() < time && signal?.aborted !== true) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.max(1, time - Date.now()));
        function done(): void {
          clearTimeout(t);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done);
      });
    }
  },
};

/** Waits until `clock` reads `time` or later, or until `signal` is aborted. */
export async function sleepUntil(clock: Clock, time: number, signal?: AbortSignal): Promise<void> {
  if (clock.sleepUntil) return clock.sleepUntil(time, signal);
  while (clock.now() < time && signal?.aborted !== true) await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, time - clock.now()))));
}

/** A clock that only moves when told to: deterministic processing time for tests. */
export class ManualClock implements Clock {
  private t: number;
  private sleepers: Array<{ time: number; wake: () => void }> = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.set(this.t + ms);
  }

  set(t: number): void {
    this.t = t;
    const due = this.sleepers.filter((s) => s.time <= t);
    this.sleepers = this.sleepers.filter((s) => s.time > t);
    for (const s of due) s.wake();
  }

  sleepUntil(time: number, signal?: AbortSignal): Promise<void> {
    if (time <= this.t || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = { time, wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      });
    });
  }

  /** The times sleepers wait for, ascending (tests check a delay without moving the clock). */
  get sleeping(): number[] {
    return this.sleepers.map((s) => s.time).sort((a, b) => a - b);
  }
}

/**
 * The combined watermark of several inputs (a union, a join): the minimum over the inputs that are not
 * idle (the maximum when all are). It never moves backwards, even when an idle input comes back behind
 * the others.
 */
export class WatermarkMerger {
  private readonly marks: number[];
  private readonly idleFlags: boolean[];
  private current = -Infinity;

  constructor(inputs: number) {
    this.marks = new Array(inputs).fill(-Infinity);
    this.idleFlags = new Array(inputs).fill(false);
  }

  /** The merger's state (for checkpoints): each input's watermark and idleness, and the combined watermark. */
  exportState(): { marks: number[]; idle: boolean[]; current: number } {
    return { marks: [...this.marks], idle: [...this.idleFlags], current: this.current };
  }

  importState(s: { marks: number[]; idle: boolean[]; current: number }): void {
    if (s.marks.length !== this.marks.length) throw new Error(`saved watermarks of ${s.marks.length} inputs where ${this.marks.length} are expected`);
    for (let i = 0; i < this.marks.length; i++) {
      this.marks[i] = s.marks[i]!;
      this.idleFlags[i] = s.idle[i]!;
    }
    this.current = s.current;
  }

  /** Records input `port`'s watermark; returns the new combined watermark if it advanced, else undefined. */
  update(port: number, wm: number): number | undefined {
    if (wm > this.marks[port]!) this.marks[port] = wm;
    this.idleFlags[port] = false;
    return this.advance();
  }

  /** Marks an input idle or active; returns the new combined watermark if that advanced it. */
  setIdle(port: number, idle: boolean): number | undefined {
    this.idleFlags[port] = idle;
    return this.advance();
  }

  /** Whether every input is idle (the merged output is idle too). */
  get allIdle(): boolean {
    return this.idleFlags.every((x) => x);
  }

  /** An input that ended no longer holds the others back. */
  close(port: number): number | undefined {
    return this.update(port, Infinity);
  }

  private advance(): number | undefined {
    let min = Infinity;
    let any = false;
    for (let i = 0; i < this.marks.length; i++) {
      if (this.idleFlags[i]) continue;
      any = true;
      if (this.marks[i]! < min) min = this.marks[i]!;
    }
    // every input idle: nothing holds time back any more, so the largest watermark seen applies
    if (!any) min = Math.max(...this.marks);
    if (min > this.current) {
      this.current = min;
      return min;
    }
    return undefined;
  }

  get value(): number {
    return this.current;
  }

  /** Forwards the combined watermark to `out` when input `port`'s watermark moves it. */
  forwardWatermark(port: number, wm: number, out: Emitter): void {
    const w = this.update(port, wm);
    if (w !== undefined) out.watermark(w);
  }

  /** Input `port` went idle or active: forwards a watermark it releases, and idleness once all inputs are idle. */
  forwardIdle(port: number, idle: boolean, out: Emitter): void {
    const w = this.setIdle(port, idle);
    if (w !== undefined) out.watermark(w);
    if (!idle || this.allIdle) out.idle(idle);
  }

  /** Input `port` ended: it no longer holds the watermark back. */
  forwardEnd(port: number, out: Emitter): void {
    const w = this.close(port);
    if (w !== undefined && w !== Infinity) out.watermark(w);
  }
}

/**
 * Base of operators with one input whose rows carry no event-time logic of their own: watermarks, idle
 * status and the end of input pass straight through.
 */
export abstract class ForwardingOperator implements Operator {
  protected readonly out: Emitter;

  constructor(out: Emitter) {
    this.out = out;
  }

  abstract push(batch: Batch, port: number): void;

  watermark(wm: number): void {
    this.out.watermark(wm);
  }

  idle(flag: boolean): void {
    this.out.idle(flag);
  }

  end(): void {
    this.out.end();
  }
}

/** Everything operators of one running statement share. */
export interface ExecContext {
  env: CompileEnv;
  /** Processing time (PROCTIME(), processing-time windows, state TTL). */
  clock: Clock;
  /** Calls `fire` once processing time reaches `time` (checked between batches and on a timer). */
  onProcessingTime(time: number, fire: () => void): void;
  batchSize: number;
  /** Sources stop reading once this is true (LIMIT satisfied, statement cancelled). */
  isCancelled(sourceId: number): boolean;
  /** Stops the given sources (a LIMIT above them has what it needs). */
  stopSources(sourceIds: readonly number[]): void;
  /** Registers asynchronous work (a sink write) to finish before the next batch is read. */
  defer(work: Promise<void>): void;
  /** Records a skipped bad record (with the connector's ignore-errors option). */
  countSkipped(where: string, reason: string): void;
  /** Memory budget check for buffering operators (rows held). Throws a clear error past the limit. */
  reserveRows(operator: string, rows: number): void;
  /** Keyed state of stateful streaming operators. */
  state: StateBackend;
  /** Counts rows an event-time operator dropped because the watermark had passed them. */
  countLate(operator: string, rows: number): void;
  /** `table.exec.mini-batch.*`: fold updates for up to `latency` ms or `size` rows before emitting; null = per batch. */
  miniBatch: { latency: number; size: number } | null;
  /** `pipeline.auto-watermark-interval` in milliseconds (0: after every batch). */
  watermarkInterval: number;
}

/** An emitter that forwards into port `port` of an operator. */
export function into(op: Operator, port: number): Emitter {
  return {
    emit: (b) => op.push(b, port),
    end: () => op.end(port),
    watermark: (wm) => op.watermark?.(wm, port),
    idle: (flag) => op.idle?.(flag, port),
  };
}
