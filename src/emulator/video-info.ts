/**
 * Reads an uploaded video by its bytes (a character's clip, the source of an edit or an
 * extension): an MP4 container with a video track, its pixel size, length and whether it has
 * sound. mediabunny demuxes it; it is loaded on the first upload only, so a server that never
 * sees one never pays for it.
 */
export interface VideoInfo {
  width: number;
  height: number;
  /** Seconds, from the end of the last sample of any track. */
  duration: number;
  audio: boolean;
}

/** Null when the bytes are not an MP4 with a readable video track. */
export async function readVideoInfo(bytes: Uint8Array): Promise<VideoInfo | null> {
  const { BufferSource, Input, MP4 } = await import('mediabunny');
  try {
    const input = new Input({ source: new BufferSource(bytes), formats: [MP4] });
    const video = await input.getPrimaryVideoTrack();
    if (!video) return null;
    const duration = await input.computeDuration();
    const audio = (await input.getAudioTracks()).length > 0;
    if (!(video.displayWidth > 0 && video.displayHeight > 0 && Number.isFinite(duration))) return null;
    return { width: video.displayWidth, height: video.displayHeight, duration, audio };
  } catch {
    // Not an MP4, or one too damaged to read: the caller refuses it in the API's words.
    return null;
  }
}
