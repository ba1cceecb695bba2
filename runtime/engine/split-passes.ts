/**
 * A first copy as concurrent rsync passes (fast-path.ts `firstCopySplit` says when): survey
 * the source (split-survey.ts), cut it into disjoint subtrees (split-plan.ts), and return the
 * rsync runs in stages, each stage's runs concurrent, stages one after the other:
 *   1. one pass per share of subtrees, recursive (`splitPassArgs`);
 *   2. the directories that were split, and those on another filesystem, alone (--no-r): their
 *      attributes and times, now that the passes have filled them;
 *   3. the source's top directory alone (`rootDirArgs`), as after the pre-link passes.
 * The destination and the split directories are created first (mode 0700, fixed by stages 2
 * and 3), so no two passes race to create one. Undefined when the source does not split into
 * two passes with work: the caller then runs the single mirror.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { listedArgs, rootDirArgs, splitPassArgs, type RsyncFlags } from './rsync-args.ts';
import { surveySource } from './split-survey.ts';
import { planSplit } from './split-plan.ts';
import { writeNamesList } from './listed-passes.ts';

export interface SplitPassesRequest {
  flags: RsyncFlags;
  srcArg: string;
  dest: string;
  /** A directory of this run's own for the list files. */
  listDir: string;
  passes: number;
  mayExpand: boolean;
  signal?: AbortSignal;
}

export interface SplitStages {
  stages: string[][][];
  /** For the log: passes and units. */
  passes: number;
  units: number;
}

export async function splitFirstPasses(req: SplitPassesRequest): Promise<SplitStages | undefined> {
  const rootDev = req.flags.oneFileSystem ? lstatSync(req.srcArg).dev : undefined;
  const survey = await surveySource({ src: req.srcArg, rootDev, signal: req.signal });
  const plan = survey && planSplit(survey, req.passes, req.mayExpand);
  if (!plan) return undefined;
  mkdirSync(req.dest, { recursive: true, mode: 0o700 });
  for (const d of plan.split) mkdirSync(join(req.dest, d), { mode: 0o700 });
  const list = (name: string, paths: (string | Buffer)[]): Promise<string> => writeNamesList(req.listDir, name, paths);
  const stages: string[][][] = [];
  stages.push(await Promise.all(plan.passes.map(async (paths, i) => splitPassArgs(req.flags, req.srcArg, req.dest, await list(`split-${i}`, paths)))));
  if (plan.alone.length > 0) stages.push([listedArgs(req.flags, req.srcArg, req.dest, undefined, await list('alone', plan.alone), false)]);
  stages.push([rootDirArgs(req.flags, req.srcArg, req.dest)]);
  return { stages, passes: plan.passes.length, units: plan.passes.reduce((a, p) => a + p.length, 0) };
}
