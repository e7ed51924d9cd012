import { createHash } from 'node:crypto';
import path from 'node:path';

/** Longest file name stem written; longer job ids are shortened and made unique with a hash. */
const MAX_STEM = 120;
/** Names Windows reserves whatever the extension; avoided so a repo of renders can be checked out anywhere. */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * A job id as a file name stem: readable (`hero[product=mug,size=1280x720]`), safe on every
 * common filesystem, never a path (no separators, no `..`), stable for the same id.
 */
export function fileStemOf(jobId: string): string {
  const cleaned = jobId
    .normalize('NFC')
    .replace(/[<>:"/\\|?*\u0000-\u001f\u007f]/g, '_')
    .replace(/\s+/g, '_')
    .replace(/^\.+|\.+$/g, '_');
  const reserved = cleaned === '' || RESERVED.test(cleaned.split('.')[0] ?? '');
  // An id with capitals is hashed too: `hero[p=Mug]` and `hero[p=mug]` would be one file on the
  // case-insensitive filesystems of macOS and Windows, each render overwriting the other.
  const caseSafe = cleaned.toLowerCase() === cleaned;
  if (cleaned === jobId && cleaned.length <= MAX_STEM && !reserved && caseSafe) return cleaned;
  // Changed, shortened or capitalised: a hash of the id keeps two ids that differ only in replaced characters (or case) apart.
  const hash = createHash('sha256').update(jobId).digest('hex').slice(0, 10);
  return `${reserved ? '_' : ''}${cleaned.slice(0, MAX_STEM - 11)}-${hash}`;
}

/** Where a job's files go in `outDir`: the video, and its thumbnail where the server has one. */
export function outputPathsOf(outDir: string, stem: string): { readonly video: string; readonly thumbnail: string } {
  return { video: path.join(outDir, `${stem}.mp4`), thumbnail: path.join(outDir, `${stem}.webp`) };
}
