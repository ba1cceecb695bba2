/**
 * The cron line equivalent of simple systemd OnCalendar expressions, for hosts without
 * systemd. Forms: minutely/hourly/daily/weekly/monthly/yearly, `[WEEKDAYS] [*-*-*] HH:MM[:00]`.
 * Anything else is refused: a wrong nightly time is worse than a clear error.
 */
const SHORTHANDS: Record<string, string> = {
  minutely: '* * * * *',
  hourly: '0 * * * *',
  daily: '0 0 * * *',
  midnight: '0 0 * * *',
  weekly: '0 0 * * 1',
  monthly: '0 0 1 * *',
  yearly: '0 0 1 1 *',
  annually: '0 0 1 1 *',
};

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function dayNumber(word: string): number | undefined {
  const i = DAYS.indexOf(word.slice(0, 3).toLowerCase());
  const full = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][i];
  return i >= 0 && (word.length === 3 || word.toLowerCase() === full) ? i : undefined;
}

function weekdays(spec: string): string | undefined {
  const parts: string[] = [];
  for (const item of spec.split(',')) {
    const range = item.split('..');
    const nums = range.map(dayNumber);
    if (nums.some((n) => n === undefined) || range.length > 2) return undefined;
    parts.push(nums.join('-'));
  }
  return parts.join(',');
}

export class CalendarError extends Error {}

export function onCalendarToCron(expr: string): string {
  const e = expr.trim();
  const short = SHORTHANDS[e.toLowerCase()];
  if (short !== undefined) return short;
  const words = e.split(/\s+/);
  let dow = '*';
  if (words.length > 1 && /^[A-Za-z]/.test(words[0]!)) {
    const d = weekdays(words.shift()!);
    if (d === undefined) throw new CalendarError(`schedule ${JSON.stringify(expr)}: cannot read the weekdays`);
    dow = d;
  }
  if (words.length === 2 && words[0] === '*-*-*') words.shift();
  const time = words.length === 1 ? /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(words[0]!) : null;
  if (time === null || Number(time[1]) > 23 || Number(time[2]) > 59 || Number(time[3] ?? 0) !== 0) {
    throw new CalendarError(
      `schedule ${JSON.stringify(expr)} has no cron equivalent on this host (no systemd); use daily, "*-*-* HH:MM:00" or "Mon..Fri HH:MM"`,
    );
  }
  return `${Number(time[2])} ${Number(time[1])} * * ${dow}`;
}
