import { afterEach, describe, expect, test } from 'vitest';
import { answersScripted, confirm, scriptAnswers } from '../../../provision/prompt.ts';

describe('prompt wrapper with scripted answers', () => {
  afterEach(() => scriptAnswers(undefined));

  test('answers come back in order, then asking again is an error naming the question', async () => {
    scriptAnswers([true, false]);
    expect(answersScripted()).toBe(true);
    await expect(confirm('Apply 3 changes to 1 host?')).resolves.toBe(true);
    await expect(confirm('Really?')).resolves.toBe(false);
    await expect(confirm('Once more?')).rejects.toThrow('no scripted answer left for "Once more?"');
  });

  test('the script is a copy: changing the caller array later changes nothing', async () => {
    const answers = [false];
    scriptAnswers(answers);
    answers[0] = true;
    await expect(confirm('q')).resolves.toBe(false);
  });

  test('scriptAnswers(undefined) returns to real prompts', () => {
    scriptAnswers([]);
    scriptAnswers(undefined);
    expect(answersScripted()).toBe(false);
  });
});
