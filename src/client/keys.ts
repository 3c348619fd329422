/**
 * Single key presses while a statement runs, for the views that react to them (q leaves a live
 * table). Whoever owns the terminal's input provides them: the interactive loop takes them away from
 * its line editor for the time, a script run on a terminal reads standard input in raw mode.
 */

export interface KeyInput {
  /**
   * Sends each key press (the characters it produced: "q", "\x03" for Ctrl-C) to `onKey` until the
   * returned function is called. In raw mode Ctrl-C arrives here as a key, not as a signal.
   */
  capture(onKey: (key: string) => void): () => void;
}

/** The input stream of a terminal, as far as reading raw keys goes (process.stdin when it is a TTY). */
export interface RawInput {
  readonly isRaw?: boolean;
  setRawMode(raw: boolean): unknown;
  on(event: 'data', listener: (data: Buffer | string) => void): unknown;
  off(event: 'data', listener: (data: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Keys read from a terminal put in raw mode for the time of the capture. */
export function rawKeys(input: RawInput): KeyInput {
  return {
    capture(onKey) {
      const wasRaw = input.isRaw === true;
      const onData = (data: Buffer | string): void => {
        for (const ch of String(data)) onKey(ch);
      };
      input.setRawMode(true);
      input.on('data', onData);
      input.resume();
      return () => {
        input.off('data', onData);
        input.setRawMode(wasRaw);
        // Not reading any more lets the process exit when the script is done.
        input.pause();
      };
    },
  };
}

/** Whether a key asks to leave a live view: q, or Ctrl-C in raw mode. */
export function isQuitKey(key: string): boolean {
  return key === 'q' || key === 'Q' || key === '\x03';
}
