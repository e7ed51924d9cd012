// Hand-written types for lockfile-validator.js, which `npm run gen:validators` generates from schemas/.
import type { ValidateFunction } from 'ajv/dist/2020.js';

export declare const lockfile: ValidateFunction;
