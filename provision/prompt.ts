/**
 * The one door to interactive questions. Commands ask through here, so tests can script
 * the answers (scriptAnswers) and drive a command without a terminal, the way changesets
 * tests its flows. Prompts write to stderr: stdout stays the command's result.
 * @inquirer/prompts is loaded on first use: most runs (--yes, --json in CI) never ask.
 */
import { LinkdestError } from '../runtime/errors.ts';

let scripted: boolean[] | undefined;

/** Answers for the next confirm() calls, in order; `undefined` returns to real prompts. */
export function scriptAnswers(answers: boolean[] | undefined): void {
  scripted = answers === undefined ? undefined : [...answers];
}

/** True while scripted answers are set (a command then needs no terminal). */
export function answersScripted(): boolean {
  return scripted !== undefined;
}

export async function confirm(message: string, defaultAnswer = false): Promise<boolean> {
  if (scripted !== undefined) {
    const answer = scripted.shift();
    if (answer === undefined) throw new LinkdestError(`no scripted answer left for "${message}"`, { step: 'prompt' });
    return answer;
  }
  try {
    const { confirm: ask } = await import('@inquirer/prompts');
    return await ask({ message, default: defaultAnswer }, { output: process.stderr });
  } catch (e) {
    // Ctrl-C / Ctrl-D at the prompt: a decision, not a crash.
    if ((e as Error)?.name === 'ExitPromptError') return false;
    throw e;
  }
}
