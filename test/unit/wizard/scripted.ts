/**
 * A scripted PromptBackend: answers by question id, in order when a list is given, and a
 * record of every question asked (message, choices, default) for the tests to inspect.
 * Behaves like the terminal: a disabled choice cannot be picked, an input that fails its
 * validation is asked again (the next scripted answer), and CTRL_C throws inquirer's error.
 */
import { answerProblem, type Answer, type PromptBackend, type Question } from '../../../provision/wizard/ask.ts';

export const CTRL_C = Symbol('ctrl-c');
export type Scripted = Answer | typeof CTRL_C;

/** Several answers to the same question id, in the order it is asked. */
export class Seq {
  constructor(readonly items: Scripted[]) {}
}
export const seq = (...items: Scripted[]): Seq => new Seq(items);

export class ScriptedPrompts {
  readonly asked: Question[] = [];
  private readonly queues = new Map<string, Scripted[]>();

  constructor(script: Record<string, Scripted | Seq>) {
    for (const [id, a] of Object.entries(script)) this.queues.set(id, a instanceof Seq ? [...a.items] : [a]);
  }

  /** Every question with this id that was asked. */
  questions(id: string): Question[] {
    return this.asked.filter((q) => q.id === id);
  }

  readonly backend: PromptBackend = async (q) => {
    this.asked.push(q);
    for (;;) {
      const queue = this.queues.get(q.id);
      const next = queue?.shift();
      if (next === undefined) {
        const fallback = q.kind === 'password' ? undefined : q.default;
        if (fallback === undefined) throw new Error(`script has no answer for "${q.id}" (${q.message})`);
        return fallback;
      }
      if (next === CTRL_C) {
        const e = new Error('User force closed the prompt with SIGINT');
        e.name = 'ExitPromptError';
        throw e;
      }
      const problem = answerProblem(q, next);
      if (problem === undefined) return next;
      if (q.kind !== 'input') throw new Error(`scripted answer for "${q.id}" refused: ${problem}`);
      // A terminal would show the problem and ask again: take the next scripted answer.
    }
  };
}
