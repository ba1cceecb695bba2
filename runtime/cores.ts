/**
 * The cores this process may use: availableParallelism (Node >= 18.14) asks the scheduler
 * (a container's CPU limit included); cpus() parses /proc/cpuinfo, about 10 ms, and may list
 * none in a container. At least 1.
 */
import { availableParallelism, cpus } from 'node:os';

export const cores = (): number => Math.max(1, typeof availableParallelism === 'function' ? availableParallelism() : cpus().length);
