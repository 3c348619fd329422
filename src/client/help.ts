/**
 * The texts the client shows about itself: command-line usage, the welcome banner and the HELP; listing
 * of statements, client commands and client options. The option descriptions come from the session's
 * option table so they cannot drift from what SET accepts.
 */
import { OPTION_DEFS } from '../session/options.ts';

export const USAGE = `Usage: freshet sql-client [options]

Runs SQL on an embedded engine: interactively when standard input is a terminal, otherwise the
statements read from -f, -e or standard input (stopping at the first error).

Options:
  -f, --file <script.sql>    run the statements of a file and exit
  -e, --execute "<sql>;"     run the given statements and exit
  --warehouse <dir>          warehouse directory (default ./warehouse; created if missing)
  -D <key>=<value>           set a session option, as SET 'key' = 'value'; (repeatable)
  --serve [port]             also serve the engine over the Postgres protocol on 127.0.0.1
                             (default port 5433; or set FRESHET_SERVE=port), for psql and other clients
  -h, --help                 this text

Exit status: 0 when every statement succeeded, 1 when one failed, 2 for bad options,
130 when interrupted.`;

export function banner(warehouse: string): string {
  return `Freshet SQL client: Flink SQL on an embedded engine (warehouse ${warehouse}).
Type HELP; for statements and commands. Statements end with ';'; QUIT; or Ctrl-D leaves.
`;
}

const STATEMENTS: ReadonlyArray<readonly [string, string]> = [
  ['SELECT ... / WITH ... / VALUES ...', 'run a query and print its rows'],
  ['INSERT INTO | OVERWRITE t ...', 'write the rows of a query into a table'],
  ['EXECUTE STATEMENT SET BEGIN ... END', 'run several INSERTs as one job (or BEGIN STATEMENT SET; ... END)'],
  ['EXPLAIN [PLAN FOR] ...', 'show how a query or INSERT would run'],
  ['CREATE TABLE t (...) WITH (...)', 'register a table on a connector (also LIKE, AS SELECT)'],
  ['CREATE [TEMPORARY] VIEW v AS ...', 'name a query'],
  ['CREATE DATABASE | CATALOG ...', 'add a database or a catalog'],
  ['ALTER TABLE | VIEW ...', 'rename, change options or columns'],
  ['DROP TABLE | VIEW | DATABASE ...', 'remove an object (also DROP CATALOG)'],
  ['USE [CATALOG] name', 'change the current database or catalog'],
  ['SHOW TABLES | VIEWS | DATABASES ...', 'list objects (also CATALOGS, FUNCTIONS, JOBS, PARTITIONS t)'],
  ['SHOW CREATE TABLE | VIEW name', 'print the statement that creates an object'],
  ["STOP JOB 'id' [WITH SAVEPOINT]", 'stop a background job (SHOW JOBS lists them), leaving a savepoint to start from'],
  ["CALL sys.compact('t') ...", 'maintain a stored table (also expire_snapshots, rollback_to, ...)'],
  ['DESCRIBE t / SHOW COLUMNS FROM t', 'show the columns of a table or view'],
  ["SET / SET 'key' = 'value'", 'list the options set, or set one'],
  ["RESET / RESET 'key'", 'restore all options, or one, to the default'],
];

const COMMANDS: ReadonlyArray<readonly [string, string]> = [
  ['HELP;', 'this text'],
  ['CLEAR;', 'clear the terminal'],
  ['QUIT; / EXIT;', 'leave the client (also Ctrl-D)'],
];

const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['Ctrl-C', 'cancel the running statement, or discard the input at the prompt'],
  ['q', 'leave a live table result (cancels the query)'],
  ['Ctrl-D', 'leave the client'],
  ['Up / Down', `recall earlier statements (kept in ~/.freshet_history)`],
];

function section(title: string, rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([a]) => a.length));
  return `${title}\n` + rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`).join('\n') + '\n';
}

export function helpText(): string {
  const clientOptions = OPTION_DEFS.filter((d) => d.key.startsWith('sql-client.'))
    .map((d): [string, string] => [`'${d.key}'`, `${d.description} Default '${d.default}'.`]);
  return [
    section('Statements (end each with ;):', STATEMENTS),
    section('Client commands:', COMMANDS),
    section('Keys:', KEYS),
    section("Client options (SET 'key' = 'value';):", clientOptions),
    'docs/sql-client.md and docs/sql-reference.md have the details.\n',
  ].join('\n');
}
