import { describe, expect, test } from 'vitest';
import { onCalendarToCron } from '../../../provision/systemd/calendar.ts';

describe('OnCalendar -> cron line for hosts without systemd', () => {
  test.each([
    ['daily', '0 0 * * *'],
    ['hourly', '0 * * * *'],
    ['weekly', '0 0 * * 1'],
    ['monthly', '0 0 1 * *'],
    ['*-*-* 02:30:00', '30 2 * * *'],
    ['*-*-* 23:05', '5 23 * * *'],
    ['02:30', '30 2 * * *'],
    ['Mon..Fri 01:00', '0 1 * * 1-5'],
    ['Mon,Wed,Fri *-*-* 04:15:00', '15 4 * * 1,3,5'],
    ['Sat,Sunday 12:00', '0 12 * * 6,0'],
  ])('%j -> %j', (expr, cron) => {
    expect(onCalendarToCron(expr)).toBe(cron);
  });

  test.each([
    '*-*-* 02:30:15',
    '*-*-01 02:00',
    '2024-*-* 02:00',
    'Mon..Fri *-*-* 02:00,14:00',
    '*:0/15',
    'Funday 02:00',
    '25:00',
    'daily; rm -rf /',
  ])('%j is refused with a clear error', (expr) => {
    expect(() => onCalendarToCron(expr)).toThrow(/schedule .* (no cron equivalent|cannot read the weekdays)/);
  });
});
