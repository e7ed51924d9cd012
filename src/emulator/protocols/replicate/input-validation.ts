import { imageFromDataUrl, isObject, type ReceivedImage } from '../json.js';
import type { PropertySpec, ReplicateModel } from './models.js';

/**
 * A prediction's `input` checked against the model's schema, as Replicate's JSON-schema
 * validation words it (`- input.duration: duration must be one of the following: 4, 6, 8`;
 * the exact texts are unverified, reference §7). Unknown inputs are kept and ignored.
 */
export interface InvalidField {
  type: string;
  field: string;
  description: string;
}

export interface CheckedInput {
  /** The input with the schema's defaults filled in: what the model runs on. */
  values: Record<string, unknown>;
  images: Record<string, ReceivedImage>;
  invalid: InvalidField[];
}

export function checkInput(model: ReplicateModel, input: unknown): CheckedInput {
  const values: Record<string, unknown> = {};
  const images: Record<string, ReceivedImage> = {};
  if (input === undefined) return { values, images, invalid: [{ type: 'required', field: '(root)', description: 'input is required' }] };
  if (!isObject(input))
    return { values, images, invalid: [{ type: 'invalid_type', field: 'input', description: `Invalid type. Expected: object, given: ${jsonType(input)}` }] };
  const invalid: InvalidField[] = [];
  for (const name of model.required) {
    if (input[name] === undefined || input[name] === null) invalid.push({ type: 'required', field: 'input', description: `${name} is required` });
  }
  for (const [name, spec] of Object.entries(model.properties)) {
    const value = input[name];
    if (value === undefined || value === null) {
      if ('default' in spec && spec.default !== undefined) values[name] = spec.default;
      continue;
    }
    const problem = checkProperty(name, spec, value, images);
    if (problem) invalid.push({ field: `input.${name}`, ...problem });
    else values[name] = value;
  }
  return { values, images, invalid };
}

/** The 422's `detail`: one `- field: description` line per problem. */
export function detailOf(invalid: readonly InvalidField[]): string {
  return invalid.map((each) => `- ${each.field}: ${each.description}\n`).join('');
}

function checkProperty(name: string, spec: PropertySpec, value: unknown, images: Record<string, ReceivedImage>): Omit<InvalidField, 'field'> | null {
  switch (spec.type) {
    case 'string':
    case 'integer':
    case 'boolean': {
      const given = jsonType(value);
      // jsonType calls a whole number `integer`, so 8 passes as an integer and 8.5 does not.
      if (given !== spec.type) return { type: 'invalid_type', description: `Invalid type. Expected: ${spec.type}, given: ${given}` };
      const allowed = 'enum' in spec ? (spec.enum as readonly unknown[] | undefined) : undefined;
      if (allowed !== undefined && !allowed.includes(value)) {
        const list = allowed.map((each) => (typeof each === 'string' ? `"${each}"` : String(each))).join(', ');
        return { type: 'enum', description: `${name} must be one of the following: ${list}` };
      }
      if (spec.type === 'integer' && spec.minimum !== undefined && (value as number) < spec.minimum) {
        return { type: 'number_gte', description: `Must be greater than or equal to ${spec.minimum}` };
      }
      if (spec.type === 'integer' && spec.maximum !== undefined && (value as number) > spec.maximum) {
        return { type: 'number_lte', description: `Must be less than or equal to ${spec.maximum}` };
      }
      return null;
    }
    case 'uri':
      return checkUri(name, value, images);
    case 'uris': {
      if (!Array.isArray(value)) return { type: 'invalid_type', description: `Invalid type. Expected: array, given: ${jsonType(value)}` };
      if (value.length < spec.minItems) return { type: 'array_min_items', description: `Array must have at least ${spec.minItems} items` };
      if (value.length > spec.maxItems) return { type: 'array_max_items', description: `Array must have at most ${spec.maxItems} items` };
      for (const [index, item] of value.entries()) {
        const problem = checkUri(`${name}.${index}`, item, images);
        if (problem) return problem;
      }
      return null;
    }
  }
}

function checkUri(key: string, value: unknown, images: Record<string, ReceivedImage>): Omit<InvalidField, 'field'> | null {
  if (typeof value !== 'string') return { type: 'invalid_type', description: `Invalid type. Expected: string, given: ${jsonType(value)}` };
  if (/^https?:\/\/\S+$/.test(value)) return null;
  const image = value.startsWith('data:') ? imageFromDataUrl(value) : null;
  if (image === null) return { type: 'format', description: "Does not match format 'uri'" };
  images[key] = image;
  return null;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
