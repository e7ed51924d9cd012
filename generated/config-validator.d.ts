// Hand-written types for config-validator.js, which `npm run gen:validators` generates from schemas/config.schema.json.
import type { ValidateFunction } from 'ajv/dist/2020.js';

export declare const config: ValidateFunction;
