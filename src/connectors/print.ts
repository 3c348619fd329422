/**
 * `print` writes each row to standard output (or standard error) as `+I[1, a]`, prefixed by
 * `print-identifier` when set; `blackhole` discards rows (for benchmarks).
 */
import type { Batch, Field } from '../types/batch.ts';
import { valueAt, ROW_KIND_NAMES } from '../types/batch.ts';
import { physicalOf } from '../types/data-type.ts';
import { formatValue } from '../types/value.ts';
import type { ConnectorFactory, SinkContext, SinkTarget, TableDescriptor, SinkWriter } from './connector.ts';
import { booleanOption } from './options.ts';

/** Where print output goes; tests replace it. */
export const printOutput = {
  write: (text: string, toStderr: boolean): void => {
    (toStderr ? process.stderr : process.stdout).write(text);
  },
};

class PrintSink implements SinkTarget {
  readonly fields: Field[];
  readonly partitionKeys: string[];
  readonly acceptsChanges = true;
  private readonly prefix: string;
  private readonly stderr: boolean;

  constructor(desc: TableDescriptor) {
    this.fields = desc.physicalColumns;
    this.partitionKeys = desc.partitionKeys;
    const id = desc.options['print-identifier'];
    this.prefix = id ? `${id}> ` : '';
    this.stderr = booleanOption(desc.options['standard-error'], false);
  }

  describe(): string {
    return 'print';
  }

  async open(_o: unknown, ctx: SinkContext): Promise<SinkWriter> {
    const phys = this.fields.map((f) => physicalOf(f.type));
    let rows = 0;
    return {
      write: (b: Batch) => {
        let out = '';
        for (let i = 0; i < b.length; i++) {
          const vals = this.fields.map((f, c) => formatValue(f.type, valueAt(b.columns[c]!, phys[c]!, i), { timeZone: ctx.timeZone, nullText: 'null' }));
          out += `${this.prefix}${ROW_KIND_NAMES[b.kinds === null ? 0 : b.kinds[i]!]}[${vals.join(', ')}]\n`;
        }
        rows += b.length;
        printOutput.write(out, this.stderr);
      },
      finish: async () => rows,
      abort: async () => {},
    };
  }
}

class BlackholeSink implements SinkTarget {
  readonly fields: Field[];
  readonly partitionKeys: string[];
  readonly acceptsChanges = true;

  constructor(desc: TableDescriptor) {
    this.fields = desc.physicalColumns;
    this.partitionKeys = desc.partitionKeys;
  }

  describe(): string {
    return 'blackhole';
  }

  async open(): Promise<SinkWriter> {
    let rows = 0;
    return {
      write: (b: Batch) => {
        rows += b.length;
      },
      finish: async () => rows,
      abort: async () => {},
    };
  }
}

export const printConnector: ConnectorFactory = {
  identifier: 'print',
  requiredOptions: [],
  optionalOptions: ['print-identifier', 'standard-error', 'sink.parallelism'],
  createSink: (d) => new PrintSink(d),
};

export const blackholeConnector: ConnectorFactory = {
  identifier: 'blackhole',
  requiredOptions: [],
  optionalOptions: [],
  createSink: (d) => new BlackholeSink(d),
};
