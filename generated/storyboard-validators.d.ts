// Hand-written types for storyboard-validators.js, which `npm run gen:validators` generates from schemas/.
import type { ValidateFunction } from 'ajv/dist/2020.js';

export declare const storyboard: ValidateFunction;
export declare const storyboardImport: ValidateFunction;
export declare const providers: ValidateFunction;
/** The storyboard's `$defs` of the extra request fields, for variant axes named like them. */
export declare const seed: ValidateFunction;
export declare const numFrames: ValidateFunction;
export declare const fps: ValidateFunction;
export declare const negativePrompt: ValidateFunction;
export declare const numInferenceSteps: ValidateFunction;
export declare const guidanceScale: ValidateFunction;
export declare const generateAudio: ValidateFunction;
