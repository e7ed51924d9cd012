/**
 * The `WIDTHxHEIGHT` a model makes for an aspect ratio and a resolution named by its shorter
 * side (`720p`, `1080p`, `4k`), as the storyboard writes sizes. Pure.
 */

const SHORT_SIDE: Readonly<Record<string, number>> = { '720p': 720, '1080p': 1080, '4k': 2160 };

/**
 * 16:9 `720p` → `1280x720`, 9:16 → `720x1280`, 1:1 → `720x720`. Only the resolutions whose 16:9
 * sizes are exact; models with other ones (Hailuo's 768p is 1360x768) list their sizes as written.
 */
export function sizeOf(resolution: string, aspectRatio: '16:9' | '9:16' | '1:1'): string {
  const short = SHORT_SIDE[resolution];
  if (short === undefined) throw new Error(`no short side known for resolution ${resolution}`);
  const long = (short * 16) / 9;
  if (aspectRatio === '1:1') return `${short}x${short}`;
  return aspectRatio === '9:16' ? `${short}x${long}` : `${long}x${short}`;
}
