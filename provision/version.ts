declare const LINKDEST_VERSION: string | undefined;

/** Injected by scripts/build.mjs; "dev" when running from source (vitest, tsx). */
export const VERSION: string = typeof LINKDEST_VERSION === 'string' ? LINKDEST_VERSION : 'dev';
