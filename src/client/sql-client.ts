/**
 * `freshet sql-client`: the SQL shell on an embedded engine. Reads the command line, opens the engine
 * and a session, and hands over to the interactive loop (standard input is a terminal) or to the
 * script runner (-f, -e, piped input). Returns the process exit status: 0 when everything ran, 1 when a
 * statement failed, 2 for a bad command line, 130 when interrupted.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Engine } from '../session/engine.ts';
import { checkOption, optionDef } from '../session/options.ts';
import { formatError } from '../util/errors.ts';
import { parseArgs, UsageError, type ClientArgs } from './args.ts';
import { USAGE, banner } from './help.ts';
import { StatementRunner, type ClientOutput, type Outcome } from './runner.ts';
import { runScript, runStream } from './script.ts';
import { runRepl } from './repl.ts';
import { HistoryFile } from './history.ts';
import { rawKeys } from './keys.ts';
import type { PgServer } from '../server/server.ts';
import { version } from '../cli/version.ts';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function exitCodeOf(outcome: Outcome): number {
  switch (outcome) {
    case 'ok': case 'quit': return EXIT_OK;
    case 'failed': return EXIT_FAILED;
    case 'cancelled': return EXIT_INTERRUPTED;
  }
}

/** -D values checked as SET would check them; unknown keys are kept with a warning, like SET. */
function sessionConfig(args: ClientArgs): { config: Record<string, string>; warnings: string[] } {
  const config: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(args.config)) {
    const { warning } = checkOption(key, value);
    if (warning) warnings.push(warning);
    // Options with a fixed set of values are compared in lower case by the engine.
    config[key] = optionDef(key)?.values ? value.toLowerCase() : value;
  }
  return { config, warnings };
}

function openWarehouse(dir: string): string {
  // A URI (s3://...) is the store's business; only local directories are created here.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dir)) return dir;
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  return path;
}

function terminalOutput(): ClientOutput {
  const write = (t: string): void => { process.stdout.write(t); };
  return {
    out: write,
    err: write,
    // Erases the screen and the scrollback, then homes the cursor.
    clear: process.stdout.isTTY ? () => write('\x1b[2J\x1b[3J\x1b[H') : undefined,
    terminal: process.stdout.isTTY ? process.stdout : undefined,
  };
}

function scriptOutput(): ClientOutput {
  return {
    out: (t) => { process.stdout.write(t); },
    err: (t) => { process.stderr.write(t); },
    // A script run on a terminal still gets a live table for a streaming query.
    terminal: process.stdout.isTTY ? process.stdout : undefined,
  };
}

let watchingOutput = false;

/** `freshet sql-client -e ... | head` closes our output early: the reader's choice, not an error. */
function exitQuietlyWhenOutputCloses(): void {
  if (watchingOutput) return;
  watchingOutput = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
    throw e;
  });
}

async function* stdinText(): AsyncIterable<string> {
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) yield chunk as string;
}

export async function runSqlClient(argv: string[]): Promise<number> {
  let args: ClientArgs;
  try {
    args = parseArgs(argv, process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`freshet sql-client: ${e.message}\nRun 'freshet sql-client --help' for the options.\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    process.stdout.write(USAGE + '\n');
    return EXIT_OK;
  }
  let defined: { config: Record<string, string>; warnings: string[] };
  try {
    defined = sessionConfig(args);
  } catch (e) {
    process.stderr.write(`freshet sql-client: invalid -D option\n${formatError(e)}\n`);
    return EXIT_USAGE;
  }

  let script: string | undefined = args.execute;
  if (args.file !== undefined) {
    try {
      script = readFileSync(args.file, 'utf8');
    } catch (e) {
      process.stderr.write(`freshet sql-client: cannot read script '${args.file}': ${(e as Error).message}\n`);
      return EXIT_FAILED;
    }
  }
  const interactive = script === undefined && process.stdin.isTTY === true;

  exitQuietlyWhenOutputCloses();

  let warehouse: string;
  try {
    warehouse = openWarehouse(args.warehouse);
  } catch (e) {
    process.stderr.write(`freshet sql-client: cannot create warehouse '${args.warehouse}': ${(e as Error).message}\n`);
    return EXIT_FAILED;
  }
  const engine = await Engine.open({ warehouse });
  const output = interactive ? terminalOutput() : scriptOutput();
  let server: PgServer | undefined;
  try {
    if (args.serve !== undefined) {
      try {
        server = await serve(engine, warehouse, args.serve, output);
      } catch (e) {
        process.stderr.write(`freshet sql-client: cannot serve on 127.0.0.1:${args.serve}: ${(e as Error).message}\n`);
        return EXIT_FAILED;
      }
    }
    for (const w of defined.warnings) output.err(`[WARNING] ${w}\n`);
    const runner = new StatementRunner(engine.createSession(defined.config), output);
    // -e and -f leave standard input free; on a terminal it gives the live table its q key.
    if (script !== undefined && process.stdin.isTTY === true) runner.keys = rawKeys(process.stdin);
    if (interactive) {
      return await runRepl(runner, {
        input: process.stdin,
        output: process.stdout,
        terminal: process.stdout.isTTY === true,
        history: new HistoryFile(),
        banner: banner(warehouse),
        signals: process,
      });
    }
    // The first Ctrl-C cancels the running statement (which ends the run); between statements it ends
    // the run at once.
    const onSigint = (): void => {
      if (!runner.cancel()) process.exit(EXIT_INTERRUPTED);
    };
    process.on('SIGINT', onSigint);
    try {
      const outcome = script !== undefined ? await runScript(runner, script) : await runStream(runner, stdinText());
      return exitCodeOf(outcome);
    } finally {
      process.off('SIGINT', onSigint);
    }
  } finally {
    await server?.close();
    await waitForJobs(engine, output);
    await engine.close();
  }
}

/**
 * `--serve`: the Postgres wire server on the client's own engine, so psql or an application sees the
 * same tables and jobs as the REPL (one process, one warehouse, no second engine to keep in step).
 * Loopback only, trust authentication: for anything else run `freshet server`.
 */
async function serve(engine: Engine, warehouse: string, port: number, output: ClientOutput): Promise<PgServer> {
  // loaded only when asked for, so that the client alone starts fast
  const { PgServer } = await import('../server/server.ts');
  const { applyConfigObject, defaultConfig } = await import('../server/config.ts');
  const config = applyConfigObject(defaultConfig(), { host: '127.0.0.1', port, warehouse });
  const server = new PgServer(engine, config, version());
  const actual = await server.listen();
  output.err(`[INFO] Postgres wire server on 127.0.0.1:${actual} for this engine (psql -h 127.0.0.1 -p ${actual} -d freshet)\n`);
  return server;
}

/**
 * The engine lives in this process: background jobs (streaming INSERTs) end with it. Before leaving,
 * the client waits for them to finish; Ctrl-C stops them (what they wrote is committed).
 */
async function waitForJobs(engine: Engine, output: { out(text: string): void }): Promise<void> {
  const running = engine.jobs.list().filter((j) => j.job.status === 'RUNNING');
  if (running.length === 0) return;
  output.out(`[INFO] Waiting for ${running.length} running job${running.length === 1 ? '' : 's'} to finish (Ctrl-C stops ${running.length === 1 ? 'it' : 'them'})...\n`);
  const stop = (): void => { void engine.jobs.stopAll(); };
  process.once('SIGINT', stop);
  try {
    await Promise.allSettled(running.map((j) => j.job.done));
  } finally {
    process.off('SIGINT', stop);
  }
  for (const j of running) {
    output.out(j.job.status === 'FAILED' ? `[ERROR] Job ${j.id} failed: ${j.error ?? 'unknown error'}\n` : `[INFO] Job ${j.id} ${j.job.status === 'STOPPED' ? 'stopped' : 'finished'}.\n`);
  }
}
