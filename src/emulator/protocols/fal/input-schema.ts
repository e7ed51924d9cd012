import { imageFromDataUrl, type JsonObject, type ReceivedImage } from '../json.js';

/**
 * A fal endpoint's input model, field by field, and its validation in the words of pydantic v2
 * behind FastAPI (fal apps are pydantic models): every problem is one item of the 422's
 * `detail` list, `{loc: ["body", field], msg, type, input, ctx?}`.
 */
export type FieldSpec =
  | { kind: 'string'; required?: boolean }
  | { kind: 'literal'; values: readonly string[] }
  | { kind: 'bool' }
  | { kind: 'int'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number }
  /** An image: an http(s) URL (not fetched: the emulator is offline) or a data: URL (decoded and checked). */
  | { kind: 'image'; required?: boolean }
  | { kind: 'images'; required?: boolean; min: number; max: number };

export type InputSchema = Readonly<Record<string, FieldSpec>>;

export interface DetailItem {
  loc: (string | number)[];
  msg: string;
  type: string;
  input: unknown;
  ctx?: Record<string, unknown>;
  url?: string;
}

/** The input as the model reads it (pydantic's lax coercions applied), the images it decoded, and the problems. */
export interface ValidatedInput {
  values: Record<string, unknown>;
  images: Record<string, ReceivedImage>;
  detail: DetailItem[];
}

export function validateInput(schema: InputSchema, body: JsonObject): ValidatedInput {
  const values: Record<string, unknown> = {};
  const images: Record<string, ReceivedImage> = {};
  const detail: DetailItem[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const value = body[name];
    if (value === undefined || value === null) {
      if ('required' in spec && spec.required) detail.push({ loc: ['body', name], msg: 'Field required', type: 'missing', input: body });
      continue;
    }
    const problem = check(spec, name, value, values, images);
    if (problem) detail.push({ loc: ['body', name], input: value, ...problem });
  }
  return { values, images, detail };
}

type Problem = Omit<DetailItem, 'loc' | 'input'>;

function check(spec: FieldSpec, name: string, value: unknown, values: Record<string, unknown>, images: Record<string, ReceivedImage>): Problem | null {
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') return { msg: 'Input should be a valid string', type: 'string_type' };
      values[name] = value;
      return null;
    case 'literal': {
      // Literals are strict: Kling's duration 5 (a number) is not '5'.
      if (typeof value === 'string' && spec.values.includes(value)) {
        values[name] = value;
        return null;
      }
      const expected = orList(spec.values.map((each) => `'${each}'`));
      return { msg: `Input should be ${expected}`, type: 'literal_error', ctx: { expected } };
    }
    case 'bool': {
      const parsed = typeof value === 'boolean' ? value : value === 'true' || value === 1 ? true : value === 'false' || value === 0 ? false : null;
      if (parsed === null) return { msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' };
      values[name] = parsed;
      return null;
    }
    case 'int':
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(n)) {
        return spec.kind === 'int'
          ? { msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing' }
          : { msg: 'Input should be a valid number, unable to parse string as a number', type: 'float_parsing' };
      }
      if (spec.kind === 'int' && !Number.isInteger(n))
        return { msg: 'Input should be a valid integer, got a number with a fractional part', type: 'int_from_float' };
      if (spec.min !== undefined && n < spec.min)
        return { msg: `Input should be greater than or equal to ${spec.min}`, type: 'greater_than_equal', ctx: { ge: spec.min } };
      if (spec.max !== undefined && n > spec.max)
        return { msg: `Input should be less than or equal to ${spec.max}`, type: 'less_than_equal', ctx: { le: spec.max } };
      values[name] = n;
      return null;
    }
    case 'image': {
      const problem = checkImage(value, name, images);
      if (problem === null) values[name] = value;
      return problem;
    }
    case 'images': {
      if (!Array.isArray(value)) return { msg: 'Input should be a valid list', type: 'list_type' };
      if (value.length < spec.min)
        return {
          msg: `List should have at least ${spec.min} item${spec.min === 1 ? '' : 's'} after validation, not ${value.length}`,
          type: 'too_short',
          ctx: { field_type: 'List', min_length: spec.min, actual_length: value.length },
        };
      if (value.length > spec.max)
        return {
          msg: `List should have at most ${spec.max} items after validation, not ${value.length}`,
          type: 'too_long',
          ctx: { field_type: 'List', max_length: spec.max, actual_length: value.length },
        };
      for (const [index, item] of value.entries()) {
        const problem = checkImage(item, `${name}.${index}`, images);
        if (problem) return problem;
      }
      values[name] = value;
      return null;
    }
  }
}

function checkImage(value: unknown, key: string, images: Record<string, ReceivedImage>): Problem | null {
  if (typeof value !== 'string') return { msg: 'Input should be a valid string', type: 'string_type' };
  if (/^https?:\/\/\S+$/.test(value)) return null;
  if (value.startsWith('data:')) {
    const image = imageFromDataUrl(value);
    if (image === null) return { msg: 'Unsupported data URL: expected a base64 JPEG, PNG or WebP image', type: 'image_load_error' };
    images[key] = image;
    return null;
  }
  return { msg: 'Input should be a valid URL, relative URL without a base', type: 'url_parsing', ctx: { error: 'relative URL without a base' } };
}

/** `'5' or '10'`, `'16:9', '9:16' or '1:1'`: pydantic's list of expected literals. */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
