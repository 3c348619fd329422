/**
 * Command-line arguments of `freshet sql-client`. Accepts the spellings people bring from Flink and from
 * GNU tools alike: `-f x`, `--file x`, `--file=x`, `-D k=v` and `-Dk=v`. Anything it does not know is
 * an error rather than silently ignored, so a mistyped option cannot run a script the wrong way.
 */

export interface ClientArgs {
  /** Script file to run (-f). */
  file?: string;
  /** Statements to run (-e). */
  execute?: string;
  warehouse: string;
  /** Session options from -D, in the order given (a later one wins). */
  config: Record<string, string>;
  /** Also serve the engine over the Postgres protocol on this port of 127.0.0.1 (--serve, FRESHET_SERVE). */
  serve?: number;
  help: boolean;
}

/** The port `--serve` uses when none is given. */
export const DEFAULT_SERVE_PORT = 5433;

function servePort(text: string, from: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`${from} needs a port number (0-65535), got '${text}'`);
  return Number(text);
}

/** A problem with the command line; the client answers with usage help and exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const WITH_VALUE: Record<string, 'file' | 'execute' | 'warehouse' | 'define'> = {
  '-f': 'file', '--file': 'file',
  '-e': 'execute', '--execute': 'execute',
  '--warehouse': 'warehouse',
  '-D': 'define', '--define': 'define',
};

/**
 * `env` is where FRESHET_SERVE comes from (`FRESHET_SERVE=5433 npm start`); `--serve` wins over it.
 */
export function parseArgs(args: readonly string[], env: Record<string, string | undefined> = {}): ClientArgs {
  const out: ClientArgs = { warehouse: './warehouse', config: {}, help: false };
  let warehouseGiven = false;
  const fromEnv = env['FRESHET_SERVE'];
  if (fromEnv !== undefined && fromEnv !== '') out.serve = servePort(fromEnv, 'FRESHET_SERVE');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') {
      out.help = true;
      continue;
    }
    // --serve, --serve PORT, --serve=PORT: the port is optional, so only a number after it is taken
    if (arg === '--serve' || arg.startsWith('--serve=')) {
      if (arg.startsWith('--serve=')) out.serve = servePort(arg.slice('--serve='.length), '--serve');
      else if (i + 1 < args.length && /^\d+$/.test(args[i + 1]!)) out.serve = servePort(args[++i]!, '--serve');
      else out.serve = DEFAULT_SERVE_PORT;
      continue;
    }
    let name = arg;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      name = arg.slice(0, eq);
      value = arg.slice(eq + 1);
    } else if (arg.startsWith('-D') && arg.length > 2) {
      name = '-D';
      value = arg.slice(2);
    }
    const what = WITH_VALUE[name];
    if (what === undefined) {
      throw new UsageError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}' (a script is run with -f ${arg})`);
    }
    if (value === undefined) {
      if (i + 1 >= args.length) throw new UsageError(`option '${name}' needs a value`);
      value = args[++i]!;
    }
    switch (what) {
      case 'file':
        if (out.file !== undefined) throw new UsageError('only one -f script can be given');
        out.file = value;
        break;
      case 'execute':
        if (out.execute !== undefined) throw new UsageError('only one -e can be given; separate statements with ;');
        out.execute = value;
        break;
      case 'warehouse':
        if (warehouseGiven) throw new UsageError('only one --warehouse can be given');
        if (value === '') throw new UsageError('--warehouse needs a directory');
        warehouseGiven = true;
        out.warehouse = value;
        break;
      case 'define': {
        const at = value.indexOf('=');
        if (at <= 0) throw new UsageError(`-D needs key=value, got '${value}'`);
        out.config[value.slice(0, at).trim()] = value.slice(at + 1);
        break;
      }
    }
  }
  if (out.file !== undefined && out.execute !== undefined) throw new UsageError('give either -f or -e, not both');
  return out;
}
