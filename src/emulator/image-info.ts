import { imageSize } from 'image-size';

/**
 * Recognises an image by its bytes, never by its name or declared type, and reads its pixel
 * size from the header: input_reference must be JPEG, PNG or WebP and exactly the video size.
 * `image-size` sniffs and measures; this module only narrows it to the three formats the API takes.
 */
export type ImageFormat = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
}

const FORMATS: Readonly<Record<string, ImageFormat>> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** Null when the bytes are not a JPEG, PNG or WebP image whose size can be read. */
export function readImageInfo(bytes: Uint8Array): ImageInfo | null {
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch {
    // Unknown or truncated bytes: image-size throws rather than guess.
    return null;
  }
  const format = size.type === undefined ? undefined : FORMATS[size.type];
  if (format === undefined || !(size.width > 0 && size.height > 0)) return null;
  return { format, width: size.width, height: size.height };
}
