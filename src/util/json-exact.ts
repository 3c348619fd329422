/**
 * JSON.parse that keeps numbers exact. A number literal that a double cannot hold exactly (an integer
 * beyond 2^53, a fraction with more significant digits than a double keeps) comes back as a string of
 * its text, so that a BIGINT or DECIMAL reader converts the written digits instead of a rounded double.
 */

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;

/** Whether a JSON number literal survives a round trip through a double. */
function fitsDouble(literal: string): boolean {
  if (/^-?\d+$/.test(literal)) return Number.isSafeInteger(Number(literal));
  const digits = literal.replace(/[eE].*$/, '').replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  return digits.length <= 15;
}

export function parseJsonExact(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      // copy a string literal as it is (escaped quotes included)
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = NUMBER.exec(text.slice(i));
      if (!m) {
        out += c;
        i++;
        continue;
      }
      out += fitsDouble(m[0]) ? m[0] : JSON.stringify(m[0]);
      i += m[0].length;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}
