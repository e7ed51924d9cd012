import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import ffmpeg from '@ffmpeg-installer/ffmpeg';

/**
 * Media for tests, made from lavfi sources (a colour, a test pattern, a noise graph, a tone) by
 * the static ffmpeg shotlist itself uses: errors only on stderr, the output overwritten.
 */

const run = promisify(execFile);

/** `file`, made from these lavfi sources (each an input, in order) with these output options. */
export async function makeFromLavfi(file: string, sources: readonly string[], output: readonly string[]): Promise<void> {
  await run(ffmpeg.path, ['-loglevel', 'error', '-y', ...sources.flatMap((source) => ['-f', 'lavfi', '-i', source]), ...output, file]);
}

/** One frame of a lavfi picture (`color=c=teal:s=64x36`, …) into `file`, in `codec` or as its extension implies. */
export async function makeStill(file: string, picture: string, codec?: string): Promise<void> {
  await makeFromLavfi(file, [picture], ['-frames:v', '1', ...(codec === undefined ? [] : ['-c:v', codec])]);
}

/**
 * An H.264 MP4 (ultrafast, yuv420p) from a lavfi picture, with AAC from a lavfi sound or no
 * audio at all; `extra` output options (a CRF, a GOP, a length) go before the file.
 */
export async function makeH264(file: string, picture: string, sound: string | null, extra: readonly string[] = []): Promise<void> {
  const audio = sound === null ? ['-an'] : ['-c:a', 'aac', '-shortest'];
  await makeFromLavfi(file, sound === null ? [picture] : [picture, sound], [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    ...audio,
    ...extra,
  ]);
}
