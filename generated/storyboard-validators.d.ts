// Hand-written types for storyboard-validators.js, which `npm run gen:validators` generates from schemas/.
import type { ValidateFunction } from 'ajv/dist/2020.js';

export declare const storyboard: ValidateFunction;
export declare const storyboardImport: ValidateFunction;
export declare const providers: ValidateFunction;
