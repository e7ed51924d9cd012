import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';
import { readProjectFile, type FileRefusal } from './project-file.js';
import type { ResolvedJob } from './job.js';

/** Largest input_reference image read: the protocol's `image_url` limit is 20,971,520 characters. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

export type ImageType = 'jpeg' | 'png' | 'webp';

/** What the checks and the fingerprint need to know about an input_reference file. */
export type InputReferenceInfo =
  | {
      readonly status: 'ok';
      readonly sha256: string;
      readonly bytes: number;
      readonly type: ImageType | null;
      readonly width: number | null;
      readonly height: number | null;
    }
  | FileRefusal;

/** Reads each distinct input_reference once: containment, size, type by bytes, pixel size, sha256. */
export async function readInputReferences(jobs: readonly ResolvedJob[], projectRoot: string): Promise<Map<string, InputReferenceInfo>> {
  const infos = new Map<string, InputReferenceInfo>();
  for (const job of jobs) {
    const absPath = job.inputReference?.absPath;
    if (absPath === undefined || infos.has(absPath)) continue;
    infos.set(absPath, await readImageInfo(absPath, projectRoot));
  }
  return infos;
}

/** One image as the checks see it (an input_reference, a cut's still): containment, size, type by bytes, pixel size, sha256. */
export async function readImageInfo(absPath: string, projectRoot: string): Promise<InputReferenceInfo> {
  const read = await readInputImage(absPath, projectRoot);
  if (!read.ok) return read.info;
  const { bytes } = read;
  const type = sniffImageType(bytes);
  const size = type ? dimensionsOf(bytes) : null;
  return {
    status: 'ok',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    type,
    width: size?.width ?? null,
    height: size?.height ?? null,
  };
}

/**
 * An input image's bytes, read the one way both the checks and the create read them: inside the
 * project through every symlink, a regular file, at most 20 MiB.
 */
export async function readInputImage(
  absPath: string,
  projectRoot: string,
): Promise<{ readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly info: Exclude<InputReferenceInfo, { status: 'ok' }> }> {
  const read = await readProjectFile(absPath, projectRoot, MAX_IMAGE_BYTES);
  return read.ok ? read : { ok: false, info: read.refusal };
}

/** The image type by its first bytes, never by its file name. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const at = (offset: number, ...expected: number[]) => expected.every((byte, i) => bytes[offset + i] === byte);
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  return null;
}

function dimensionsOf(bytes: Uint8Array): { width: number; height: number } | null {
  try {
    const { width, height } = imageSize(bytes);
    return width && height ? { width, height } : null;
  } catch {
    return null;
  }
}
