import path from 'node:path';

/** The checkout's root. Its own module so that helpers and the vitest config can use it without loading the CLI. */
export const REPO = path.resolve(import.meta.dirname, '../..');
