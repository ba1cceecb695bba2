/**
 * The one door through which `linkdest init` asks questions. Every question has an id that
 * is also its command-line flag, so the same flow runs three ways:
 *   - a flag answers it (checked exactly like a typed answer: a disabled choice is refused);
 *   - with --yes, its default answers it (a question without a default then needs its flag);
 *   - otherwise a prompt asks: @inquirer/prompts on a terminal, or a script in tests.
 * Prompts write to stderr; Ctrl-C surfaces as inquirer's ExitPromptError.
 */
import { EXIT, LinkdestError } from '../../runtime/errors.ts';

export interface Choice {
  value: string;
  name: string;
  /** Why it cannot be chosen; shown greyed out by inquirer. */
  disabled?: string;
}

interface Base {
  /** Stable id, also the flag: `disk` is answered by --disk. */
  id: string;
  message: string;
}
export interface InputQuestion extends Base { default?: string; validate?: (answer: string) => string | true }
export interface SelectQuestion extends Base { choices: Choice[]; default?: string }
export interface ConfirmQuestion extends Base { default: boolean }
export type PasswordQuestion = Base;
export interface CheckboxQuestion extends Base { choices: Choice[]; default?: string[] }

export type Question =
  | ({ kind: 'input' } & InputQuestion)
  | ({ kind: 'select' } & SelectQuestion)
  | ({ kind: 'confirm' } & ConfirmQuestion)
  | ({ kind: 'password' } & PasswordQuestion)
  | ({ kind: 'checkbox' } & CheckboxQuestion);

export type Answer = string | boolean | string[];

/** What actually asks a person (or a test script) once flags and --yes had no answer. */
export type PromptBackend = (q: Question) => Promise<Answer>;

export interface Asker {
  input(q: InputQuestion): Promise<string>;
  select(q: SelectQuestion): Promise<string>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  password(q: PasswordQuestion): Promise<string>;
  checkbox(q: CheckboxQuestion): Promise<string[]>;
  /** A line of information for the user (stderr, like the prompts). */
  say(text: string): void;
  /** The flag's answer to this question, if a flag gives one: asking it again would get the same. */
  fromFlag(id: string): Answer | undefined;
}

export interface AskerOptions {
  /** Answers given as flags, by question id. */
  presets?: Record<string, Answer | undefined>;
  /** Non-interactive: unanswered questions take their default. */
  yes?: boolean;
  backend: PromptBackend;
  out?: (text: string) => void;
}

export const flagOf = (id: string): string => `--${id}`;

/** Is this answer acceptable for the question? A reason when not. */
export function answerProblem(q: Question, a: Answer): string | undefined {
  const pick = (v: string, choices: Choice[]): string | undefined => {
    const c = choices.find((x) => x.value === v);
    if (c === undefined) return `"${v}" is not one of: ${choices.filter((x) => !x.disabled).map((x) => x.value).join(', ')}`;
    return c.disabled ? `"${v}" cannot be chosen: ${c.disabled}` : undefined;
  };
  switch (q.kind) {
    case 'confirm': return typeof a === 'boolean' ? undefined : 'expected yes or no';
    case 'select': return typeof a === 'string' ? pick(a, q.choices) : 'expected one value';
    case 'checkbox': return Array.isArray(a) ? a.map((v) => pick(v, q.choices)).find(Boolean) : 'expected a list';
    case 'input': {
      if (typeof a !== 'string') return 'expected text';
      const v = q.validate?.(a) ?? true;
      return v === true ? undefined : v;
    }
    case 'password': return typeof a === 'string' ? undefined : 'expected text';
  }
}

function defaultOf(q: Question): Answer | undefined {
  return q.kind === 'password' ? undefined : q.default;
}

export function createAsker(opts: AskerOptions): Asker {
  const out = opts.out ?? ((t: string) => process.stderr.write(`${t}\n`));
  const ask = async (q: Question): Promise<Answer> => {
    const preset = opts.presets?.[q.id];
    if (preset !== undefined) {
      const problem = answerProblem(q, preset);
      if (problem) throw new LinkdestError(`${flagOf(q.id)}: ${problem}`, { step: 'init', exitCode: EXIT.usage });
      return preset;
    }
    const fallback = defaultOf(q);
    if (opts.yes) {
      if (fallback === undefined) {
        throw new LinkdestError(`${flagOf(q.id)} is required with --yes (${q.message.replace(/[?:]\s*$/, '')})`, { step: 'init', exitCode: EXIT.usage });
      }
      const problem = answerProblem(q, fallback);
      if (problem) throw new LinkdestError(`${flagOf(q.id)}: ${problem}`, { step: 'init', exitCode: EXIT.usage });
      return fallback;
    }
    return opts.backend(q);
  };
  return {
    input: async (q) => (await ask({ kind: 'input', ...q })) as string,
    select: async (q) => (await ask({ kind: 'select', ...q })) as string,
    confirm: async (q) => (await ask({ kind: 'confirm', ...q })) as boolean,
    password: async (q) => (await ask({ kind: 'password', ...q })) as string,
    checkbox: async (q) => (await ask({ kind: 'checkbox', ...q })) as string[],
    say: out,
    fromFlag: (id) => opts.presets?.[id],
  };
}

/** Inquirer on the terminal. Every message says its default (inquirer shows input/confirm ones itself). */
export function inquirerBackend(context: { output?: NodeJS.WritableStream; input?: NodeJS.ReadableStream } = { output: process.stderr }): PromptBackend {
  return async (q) => {
    // Loaded when a prompt is shown: every other command starts without inquirer's modules.
    const { checkbox, confirm, input, password, select } = await import('@inquirer/prompts');
    switch (q.kind) {
      case 'input':
        return input({ message: q.message, ...(q.default !== undefined && { default: q.default }), ...(q.validate && { validate: q.validate }) }, context);
      case 'password':
        return password({ message: q.message, mask: '*' }, context);
      case 'confirm':
        return confirm({ message: q.message, default: q.default }, context);
      case 'select': {
        const shown = q.choices.find((c) => c.value === q.default);
        const message = shown ? `${q.message} (default: ${q.default})` : q.message;
        return select({ message, choices: q.choices.map(inquirerChoice), ...(shown && { default: q.default }), pageSize: 12 }, context);
      }
      case 'checkbox': {
        const checked = new Set(q.default ?? []);
        const message = checked.size > 0 ? `${q.message} (default: ${[...checked].join(', ')})` : `${q.message} (default: none)`;
        return checkbox({ message, choices: q.choices.map((c) => ({ ...inquirerChoice(c), checked: checked.has(c.value) })), pageSize: 12 }, context);
      }
    }
  };
}

function inquirerChoice(c: Choice): { value: string; name: string; disabled?: string } {
  return { value: c.value, name: c.name, ...(c.disabled && { disabled: `(${c.disabled})` }) };
}

/** The error inquirer throws on Ctrl-C / Ctrl-D at a prompt. */
export function isPromptExit(e: unknown): boolean {
  return e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError');
}
