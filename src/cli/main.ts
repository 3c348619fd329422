/**
 * Command-line entry: `freshet <command> [options]`. Each command lives in its own module and is loaded
 * only when used, so `freshet sql-client` starts fast.
 */
import { formatError } from '../util/errors.ts';

const USAGE = `Usage: freshet <command> [options]

Commands:
  sql-client [-f script.sql] [-e "statement;"] [--warehouse dir] [-D key=value ...]
                           interactive SQL shell on an embedded engine (default warehouse ./warehouse)
  server [--host h] [--port 5433] [--warehouse dir] [--config freshet.yaml]
                           Postgres wire protocol server on an engine (psql, JDBC, psycopg, ...)
  bench <suite> [--rows N] benchmarks: batch
  help                     this text
  version                  the version`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'sql-client': {
        const { runSqlClient } = await import('../client/sql-client.ts');
        return await runSqlClient(rest);
      }
      case 'server': {
        const { runServer } = await import('../server/cli.ts');
        return await runServer(rest);
      }
      case 'bench': {
        const { runBench } = await import('../../bench/main.ts');
        return await runBench(rest);
      }
      case 'version': case '--version': case '-v': {
        const { version } = await import('./version.ts');
        process.stdout.write(`freshet ${version()}\n`);
        return 0;
      }
      case undefined: case 'help': case '--help': case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`freshet: unknown command '${command}'\n\n${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    process.stderr.write(formatError(e, process.env.FRESHET_VERBOSE === '1') + '\n');
    return 1;
  }
}
