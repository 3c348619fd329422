/**
 * The client's own commands, which never reach the engine: HELP, QUIT/EXIT and CLEAR. They are written
 * like statements (ending with a semicolon) and matched case-insensitively on the whole statement text.
 */

export type ClientCommand = 'help' | 'quit' | 'clear';

const COMMANDS: Record<string, ClientCommand> = { help: 'help', quit: 'quit', exit: 'quit', clear: 'clear' };

/** The client command a statement is, if it is one. */
export function clientCommand(statement: string): ClientCommand | undefined {
  const word = statement.trim().replace(/;+$/, '').trim().toLowerCase();
  return Object.hasOwn(COMMANDS, word) ? COMMANDS[word] : undefined;
}
