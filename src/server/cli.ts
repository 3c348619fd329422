/**
 * `freshet server`: reads flags and the config file, opens the engine on the warehouse, serves it
 * until SIGINT/SIGTERM, then closes connections and the engine. `--hash-password` prints a SCRAM
 * verifier for the config file instead.
 */
import { Engine } from '../session/engine.ts';
import { version } from '../cli/version.ts';
import { applyConfigObject, ConfigError, defaultConfig, loadConfigFile, type ServerConfig } from './config.ts';
import { hashPassword } from './auth/scram.ts';
import { PgServer } from './server.ts';

export const SERVER_USAGE = `Usage: freshet server [options]

Serves an engine over the Postgres wire protocol (psql, JDBC, psycopg, node-postgres, ...).

Options:
  --host HOST              address to listen on (default 127.0.0.1)
  --port PORT              port (default 5433)
  --warehouse DIR|URI      warehouse of the default catalog (default ./warehouse)
  --config FILE            YAML or JSON config file (users, TLS, limits, options); flags override it
  --allow-trust-remote     allow trust authentication on a non-loopback address
  --hash-password          read a password from standard input and print its SCRAM-SHA-256 verifier
  -h, --help               this text`;

interface ServerArgs {
  config: ServerConfig;
  hashPassword: boolean;
  help: boolean;
}

export function parseServerArgs(argv: readonly string[]): ServerArgs {
  const flags: Record<string, unknown> = {};
  let configPath: string | undefined;
  let hash = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new ConfigError(`option '${name}' needs a value`);
      return argv[++i]!;
    };
    switch (name) {
      case '--host': flags['host'] = value(); break;
      case '--port': flags['port'] = value(); break;
      case '--warehouse': flags['warehouse'] = value(); break;
      case '--config': configPath = value(); break;
      case '--allow-trust-remote': flags['allow-trust-remote'] = true; break;
      case '--hash-password': hash = true; break;
      case '-h': case '--help': help = true; break;
      default: throw new ConfigError(arg.startsWith('-') ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
    }
  }
  const config = configPath !== undefined ? loadConfigFile(configPath) : defaultConfig();
  applyConfigObject(config, flags);
  return { config, hashPassword: hash, help };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function runServer(argv: string[]): Promise<number> {
  let args: ServerArgs;
  try {
    args = parseServerArgs(argv);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`freshet server: ${e.message}\nRun 'freshet server --help' for the options.\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(SERVER_USAGE + '\n');
    return 0;
  }
  if (args.hashPassword) {
    if (process.stdin.isTTY) process.stderr.write('Password (then Enter, Ctrl-D): ');
    const pw = await readStdin();
    if (pw === '') {
      process.stderr.write('freshet server: empty password\n');
      return 2;
    }
    process.stdout.write(hashPassword(pw) + '\n');
    return 0;
  }
  const c = args.config;
  const engine = await Engine.open({ warehouse: c.warehouse });
  let server: PgServer;
  let port: number;
  try {
    server = new PgServer(engine, c, version());
    port = await server.listen();
  } catch (e) {
    await engine.close();
    if (e instanceof ConfigError) {
      process.stderr.write(`freshet server: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`freshet server: cannot listen on ${c.host}:${c.port}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`freshet server ${version()} listening on ${c.host}:${port} (warehouse ${c.warehouse}, auth ${c.auth}${c.tls ? ', TLS' : ''})\n`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      process.stderr.write(`freshet server: ${sig}, shutting down\n`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await server.close();
  await engine.close();
  return 0;
}
