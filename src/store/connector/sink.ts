/**
 * A table-store table as a sink. Rows go to a TableWrite; they become visible only through a commit:
 * at every checkpoint of a streaming job (one snapshot per checkpoint, identified by the job's commit
 * user and the checkpoint id, so a replayed commit is a no-op) and when the statement or job ends.
 *
 * Two phases, for exactly once across restarts: at a checkpoint's cut `prepareCommit` flushes the rows
 * into files and hands the job the commit messages naming them (the job stores them in the checkpoint);
 * once the checkpoint is complete `commit` commits exactly those messages. Calls are serialized: a
 * prepare waits for the writes before it, and writes after it wait for it (the job's sources pause
 * meanwhile, as they would at an aligned checkpoint barrier).
 */
import { randomUUID } from 'node:crypto';
import type { Batch, Field } from '../../types/batch.ts';
import type { CheckpointInfo, SinkContext, SinkOpenOptions, SinkTarget, SinkWriter } from '../../connectors/connector.ts';
import { formatValue } from '../../types/value.ts';
import type { FileStoreTable } from '../table.ts';
import { TableWrite } from '../write/table-write.ts';
import { TableCommit, type OverwriteSpec } from '../commit/table-commit.ts';
import type { CommitMessage } from '../write/commit-message.ts';
import { BATCH_COMMIT_IDENTIFIER } from '../snapshot.ts';
import { decodeValue, type JsonScalar } from '../value-codec.ts';
import { partitionKeyOf } from '../paths.ts';

export class StoreSink implements SinkTarget {
  readonly fields: Field[];
  readonly partitionKeys: string[];
  readonly acceptsChanges: boolean;
  private readonly table: FileStoreTable;

  constructor(table: FileStoreTable) {
    this.table = table;
    this.fields = table.layout.fields;
    this.partitionKeys = table.schema.partitionKeys;
    this.acceptsChanges = table.layout.hasPrimaryKey;
  }

  describe(): string {
    return `table-store(${this.table.name})`;
  }

  async open(options: SinkOpenOptions, ctx: SinkContext): Promise<SinkWriter> {
    return new StoreSinkWriter(await this.table.refreshed(), options, ctx);
  }
}

class StoreSinkWriter implements SinkWriter {
  private readonly table: FileStoreTable;
  private readonly tw: TableWrite;
  private readonly committer: TableCommit;
  private readonly options: SinkOpenOptions;
  private readonly timeZone: string;
  private rows = 0;
  private lastCheckpoint = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Messages flushed after a prepare that belong to the next checkpoint (see commit). */
  private readonly carried: CommitMessage[] = [];
  private failed: unknown;

  constructor(table: FileStoreTable, options: SinkOpenOptions, ctx: SinkContext) {
    this.table = table;
    this.options = options;
    this.timeZone = ctx.timeZone;
    this.tw = new TableWrite(table, { overwrite: options.overwrite });
    this.committer = new TableCommit(table, ctx.commitUser ?? randomUUID());
  }

  /** Runs `f` after everything queued before it. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.failed !== undefined) throw this.failed;
      return f();
    });
    this.chain = run.then(() => undefined, (e) => { this.failed ??= e; });
    return run;
  }

  write(batch: Batch): Promise<void> {
    this.rows += batch.length;
    return this.serial(() => this.tw.write(batch));
  }

  /**
   * Flushes what was written into new files and returns the commit messages that name them (plain
   * data, stored in the checkpoint); nothing is visible until `commit` gets them back.
   */
  prepareCommit(checkpoint: CheckpointInfo): Promise<unknown> {
    return this.serial(async () => {
      this.lastCheckpoint = Math.max(this.lastCheckpoint, checkpoint.id);
      const messages: CommitMessage[] = [...this.carried.splice(0), ...await this.tw.prepareCommit()];
      return messages;
    });
  }

  /**
   * Commits one checkpoint: its prepared messages when given (a replay after a restart is a no-op:
   * the same commit user committed the same identifier), else everything written so far.
   */
  commit(checkpoint?: CheckpointInfo): Promise<void> {
    return this.serial(async () => {
      const id = checkpoint?.id ?? this.lastCheckpoint + 1;
      this.lastCheckpoint = Math.max(this.lastCheckpoint, id);
      const prepared = checkpoint?.committable !== undefined;
      const messages = prepared ? checkpoint.committable as CommitMessage[] : [...this.carried.splice(0), ...await this.tw.prepareCommit()];
      const r = await this.committer.commit(messages, id, { watermark: checkpoint?.watermark ?? null });
      // a dropped compaction's output files are deleted, but the bucket writers still count them in
      // their levels: they must start again from the table as committed. Rows written since the
      // prepare are flushed first and go with the next checkpoint.
      if (r.compactionDropped !== undefined) {
        if (prepared) this.carried.push(...await this.tw.prepareCommit());
        this.tw.refresh();
      }
    });
  }

  /** Which partitions an INSERT OVERWRITE replaces. */
  private overwriteSpec(): OverwriteSpec {
    const layout = this.table.layout;
    const statics = Object.entries(this.options.staticPartition);
    if (layout.partition.length === 0) return {};
    if (statics.length > 0) {
      // PARTITION (k = 'v', ..): the partitions with those values (all of them if every key is given)
      const checks = statics.map(([name, text]) => {
        const k = this.table.schema.partitionKeys.indexOf(name);
        const t = layout.types[layout.partition[k]!]!;
        return (p: readonly JsonScalar[]): boolean => {
          const v = decodeValue(t, p[k]);
          return v !== null && formatValue(t, v, { timeZone: this.timeZone }) === text;
        };
      });
      return { partitions: (p) => checks.every((c) => c(p)) };
    }
    if (!layout.options.dynamicPartitionOverwrite()) return {};
    // dynamic: only the partitions the new rows went to
    const touched = new Set([...this.tw.touchedPartitions.keys()]);
    return { partitions: (p) => touched.has(partitionKeyOf(p)) };
  }

  finish(): Promise<number> {
    return this.serial(async () => {
      const messages = [...this.carried.splice(0), ...await this.tw.prepareCommit()];
      const identifier = this.lastCheckpoint > 0 ? this.lastCheckpoint + 1 : BATCH_COMMIT_IDENTIFIER;
      await this.committer.commit(messages, identifier, this.options.overwrite ? { overwrite: this.overwriteSpec() } : {});
      return this.rows;
    });
  }

  async abort(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.tw.abort();
  }
}
