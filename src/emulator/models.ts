/**
 * The model, size and duration tables of OpenAI's contract (reference §3, §10), with the
 * March-2026 guide's extras (§3.3) only when asked for: longer clips for every model, 1080p
 * for sora-2-pro.
 */
export const KNOWN_MODELS = ['sora-2', 'sora-2-pro', 'sora-2-2025-10-06', 'sora-2-pro-2025-10-06', 'sora-2-2025-12-08'] as const;

export const DEFAULT_MODEL = 'sora-2';
export const DEFAULT_SIZE = '720x1280';
export const DEFAULT_SECONDS = '4';

const BASE_SIZES = ['720x1280', '1280x720'] as const;
const PRO_SIZES = [...BASE_SIZES, '1024x1792', '1792x1024'] as const;
const GUIDE_PRO_SIZES = [...PRO_SIZES, '1920x1080', '1080x1920'] as const;
const SECONDS = ['4', '8', '12'] as const;
const GUIDE_SECONDS = [...SECONDS, '16', '20'] as const;

export interface ModelTable {
  readonly models: readonly string[];
  readonly seconds: readonly string[];
  sizesFor(model: string): readonly string[];
}

export function modelTable(guide2026: boolean): ModelTable {
  return {
    models: KNOWN_MODELS,
    seconds: guide2026 ? GUIDE_SECONDS : SECONDS,
    sizesFor(model) {
      if (!isProModel(model)) return BASE_SIZES;
      return guide2026 ? GUIDE_PRO_SIZES : PRO_SIZES;
    },
  };
}

export function isProModel(model: string): boolean {
  return model.startsWith('sora-2-pro');
}

/** `1280x720` → `{width: 1280, height: 720}`; only called on sizes from the table. */
export function parseSize(size: string): { width: number; height: number } {
  const [width, height] = size.split('x').map(Number);
  return { width: width ?? 0, height: height ?? 0 };
}
