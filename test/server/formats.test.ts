/** Text and binary encodings of values, checked against what PostgreSQL 15 sends for the same values. */
import { describe, expect, it } from 'vitest';
import { MessageWriter } from '../../src/server/protocol/writer.ts';
import { binaryEncoderFor, binaryParamToText } from '../../src/server/types/binary-format.ts';
import { textEncoderFor, formatFloat4, formatFloat8 } from '../../src/server/types/text-format.ts';
import { T, type DataType } from '../../src/types/data-type.ts';
import { parseDate, parseTimestamp } from '../../src/types/temporal.ts';

function binary(type: DataType, v: unknown): string {
  const w = new MessageWriter();
  binaryEncoderFor(type)!(w, v);
  const b = w.take()!;
  expect(b.readInt32BE(0)).toBe(b.length - 4);
  return b.subarray(4).toString('hex');
}

describe('binary format', () => {
  it('matches PostgreSQL byte for byte', () => {
    expect(binary(T.smallint(), -7)).toBe('fff9');
    expect(binary(T.bigint(), 9007199254740993n)).toBe('0020000000000001');
    expect(binary(T.float(), Math.fround(0.1))).toBe('3dcccccd');
    expect(binary(T.double(), 0.1)).toBe('3fb999999999999a');
    expect(binary(T.decimal(12, 3), -1234500)).toBe('000200004000000304d21388');
    expect(binary(T.decimal(4, 3), 1)).toBe('0001ffff00000003000a');
    expect(binary(T.decimal(10, 0), 10000)).toBe('00010001000000000001');
    expect(binary(T.date(), parseDate('2024-02-29'))).toBe('00002279');
    expect(binary(T.timestamp(6), parseTimestamp('2024-01-02 03:04:05.123456'))).toBe('0002b0ec8517d580');
    expect(binary(T.timestampLtz(3), parseTimestamp('2024-01-02 03:04:05.5'))).toBe('0002b0ec851d9460');
    expect(binary(T.intervalDayTime(), 86_400_000 + 7_200_000)).toBe('00000001ad2748000000000100000000');
    expect(binary(T.time(3), 12 * 3_600_000 + 500)).toBe('0000000a0ef35120');
    expect(binary(T.boolean(), true)).toBe('01');
    expect(binary(T.string(), 'hé')).toBe('68c3a9');
  });

  it('reads binary parameters back as text', () => {
    expect(binaryParamToText(21, Buffer.from('fff9', 'hex'))).toBe('-7');
    expect(binaryParamToText(1700, Buffer.from('000200004000000304d21388', 'hex'))).toBe('-1234.500');
    expect(binaryParamToText(1700, Buffer.from('0001ffff00000003000a', 'hex'))).toBe('0.001');
    expect(binaryParamToText(1700, Buffer.from('00010001000000000001', 'hex'))).toBe('10000');
    expect(binaryParamToText(1082, Buffer.from('00002279', 'hex'))).toBe('2024-02-29');
    expect(binaryParamToText(1114, Buffer.from('0002b0ec8517d580', 'hex'))).toBe('2024-01-02 03:04:05.123456');
    expect(() => binaryParamToText(23, Buffer.from('00', 'hex'))).toThrow(/expected 4 bytes/);
  });
});

describe('text format', () => {
  it('prints floats as PostgreSQL does with shortest round-trip digits', () => {
    const cases: Array<[number, string]> = [[1e-7, '1e-07'], [1e-4, '0.0001'], [1e-5, '1e-05'], [1e14, '100000000000000'], [1e15, '1e+15'],
      [123456789012345678, '1.2345678901234568e+17'], [-0, '-0'], [NaN, 'NaN'], [-Infinity, '-Infinity'], [3, '3'], [0.1, '0.1']];
    for (const [v, s] of cases) expect(formatFloat8(v)).toBe(s);
    expect(formatFloat4(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat4(1e6)).toBe('1e+06');
    expect(formatFloat4(100000)).toBe('100000');
    expect(formatFloat4(Math.fround(1.5e-5))).toBe('1.5e-05');
  });

  it('prints dates, times, intervals, arrays and bytes in ISO / postgres style', () => {
    const tz = 'Asia/Kolkata';
    expect(textEncoderFor(T.timestampLtz(3), tz)(parseTimestamp('2024-01-01 21:34:05.12'))).toBe('2024-01-02 03:04:05.12+05:30');
    expect(textEncoderFor(T.timestamp(6), tz)(parseTimestamp('2024-01-02 03:04:05'))).toBe('2024-01-02 03:04:05');
    expect(textEncoderFor(T.time(3), tz)(12 * 3_600_000 + 500)).toBe('12:00:00.5');
    expect(textEncoderFor(T.intervalYearMonth(), tz)(14)).toBe('1 year 2 mons');
    expect(textEncoderFor(T.intervalYearMonth(), tz)(-1)).toBe('-1 mons');
    expect(textEncoderFor(T.intervalDayTime(), tz)(0)).toBe('00:00:00');
    expect(textEncoderFor(T.intervalDayTime(), tz)(-(3 * 86_400_000 + 3_600_000))).toBe('-3 days -01:00:00');
    expect(textEncoderFor(T.array(T.int()), tz)([1, 2, null])).toBe('{1,2,NULL}');
    expect(textEncoderFor(T.array(T.string()), tz)(['a b', 'c"', null, ''])).toBe('{"a b","c\\"",NULL,""}');
    expect(textEncoderFor(T.bytes(), tz)(new Uint8Array([1, 2]))).toBe('\\x0102');
    expect(textEncoderFor(T.boolean(), tz)(true)).toBe('t');
  });
});
