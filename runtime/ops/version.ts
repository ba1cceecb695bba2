declare const LINKDEST_VERSION: string | undefined;

/** The runtime bundle's version (esbuild defines LINKDEST_VERSION); "dev" from source. */
export const RUNTIME_VERSION: string = typeof LINKDEST_VERSION === 'string' ? LINKDEST_VERSION : 'dev';
