import { describe, expect, it } from 'vitest';
import { nextScheduleTime, scheduledPartition, scheduleTimeAtOrBefore } from '../../src/session/materialized/schedule.ts';
import type { Freshness } from '../../src/session/materialized/freshness.ts';

const at = (s: string): number => Date.parse(s.replace(' ', 'T') + 'Z');
const day = new Map([['day', 'yyyy-MM-dd']]);
const dayHour = new Map([['day', 'yyyy-MM-dd'], ['hour', 'HH']]);
const dayHourMinute = new Map([['day', 'yyyy-MM-dd'], ['hour', 'HH'], ['minute', 'mm']]);
const f = (value: number, unit: Freshness['unit']): Freshness => ({ value, unit });

describe('the partition a scheduled refresh covers (the spec test vectors)', () => {
  const cases: Array<[string, Freshness, Map<string, string>, Record<string, string>]> = [
    ['2024-01-01 00:00:00', f(1, 'DAY'), day, { day: '2023-12-31' }],
    ['2024-01-02 00:00:00', f(1, 'HOUR'), dayHour, { day: '2024-01-01', hour: '23' }],
    ['2024-01-02 01:00:00', f(1, 'HOUR'), dayHour, { day: '2024-01-02', hour: '00' }],
    ['2024-01-01 00:00:00', f(4, 'HOUR'), dayHour, { day: '2023-12-31', hour: '20' }],
    ['2024-01-01 00:00:00', f(15, 'MINUTE'), dayHourMinute, { day: '2023-12-31', hour: '23', minute: '45' }],
    ['2024-01-01 00:30:00', f(30, 'MINUTE'), dayHourMinute, { day: '2024-01-01', hour: '00', minute: '00' }],
  ];
  for (const [time, fresh, fmts, want] of cases) {
    it(`${time}, ${fresh.value} ${fresh.unit} → ${Object.values(want).join(' / ')}`, () => {
      expect(scheduledPartition(at(time), fresh, fmts, 'UTC')).toEqual(want);
    });
  }
  it('uses the session time zone', () => {
    // 00:00 in Shanghai is 16:00 UTC the day before
    expect(scheduledPartition(at('2023-12-31 16:00:00'), f(1, 'DAY'), day, 'Asia/Shanghai')).toEqual({ day: '2023-12-31' });
  });
  it('no formatter: the whole table', () => {
    expect(scheduledPartition(at('2024-01-01 00:00:00'), f(1, 'DAY'), new Map(), 'UTC')).toEqual({});
  });
});

describe('schedule times align to wall-clock multiples', () => {
  it('every 15 minutes at :00, :15, :30, :45', () => {
    expect(scheduleTimeAtOrBefore(at('2024-03-05 10:22:10'), f(15, 'MINUTE'), 'UTC')).toBe(at('2024-03-05 10:15:00'));
    expect(nextScheduleTime(at('2024-03-05 10:22:10'), f(15, 'MINUTE'), 'UTC')).toBe(at('2024-03-05 10:30:00'));
    expect(nextScheduleTime(at('2024-03-05 10:30:00'), f(15, 'MINUTE'), 'UTC')).toBe(at('2024-03-05 10:45:00'));
  });
  it('every 4 hours from local midnight', () => {
    expect(nextScheduleTime(at('2024-03-05 09:00:00'), f(4, 'HOUR'), 'UTC')).toBe(at('2024-03-05 12:00:00'));
    expect(nextScheduleTime(at('2024-03-05 09:00:00'), f(4, 'HOUR'), 'Asia/Shanghai')).toBe(at('2024-03-05 12:00:00'));
    expect(scheduleTimeAtOrBefore(at('2024-03-05 09:00:00'), f(1, 'DAY'), 'Asia/Shanghai')).toBe(at('2024-03-04 16:00:00'));
  });
  it('every second', () => {
    expect(nextScheduleTime(at('2024-03-05 09:00:00') + 300, f(1, 'SECOND'), 'UTC')).toBe(at('2024-03-05 09:00:01'));
  });
});
