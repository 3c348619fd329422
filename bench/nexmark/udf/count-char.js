/**
 * The user-defined scalar function of Nexmark q14: how many times `ch` (one character) occurs in `text`.
 * NULL in, NULL out. Loaded with
 *   CREATE FUNCTION count_char AS 'bench/nexmark/udf/count-char.js#countChar';
 * The `returns` and `params` properties tell the engine its SQL types.
 */
export function countChar(text, ch) {
  if (text === null || text === undefined || ch === null || ch === undefined) return null;
  if (ch.length === 0) return 0;
  const code = ch.charCodeAt(0);
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === code) count++;
  return count;
}
countChar.returns = 'INT';
countChar.params = ['STRING', 'STRING'];
