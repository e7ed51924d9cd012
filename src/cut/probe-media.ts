import { createHash } from 'node:crypto';

/**
 * What a clip file holds, read from its container (not from what the server said): enough to
 * decide whether clips can be joined without re-encoding and to check their size.
 */
export interface ClipFacts {
  readonly width: number;
  readonly height: number;
  /** Clockwise degrees the player turns the picture; stream copy keeps it, so clips must agree. */
  readonly rotation: number;
  /** Video frames (packets) in the file. */
  readonly frames: number;
  /** Average frames per second over the whole file. */
  readonly fps: number;
  readonly durationSeconds: number;
  /** The first video packet is a key frame: a decoder can start on the clip's first frame. */
  readonly startsWithKeyFrame: boolean;
  readonly video: StreamParameters;
  /** `null` when the clip has no audio track. */
  readonly audio: (StreamParameters & { readonly sampleRate: number; readonly channels: number }) | null;
}

export interface StreamParameters {
  /** Codec string, e.g. `avc1.64001f`, `mp4a.40.2`. */
  readonly codec: string;
  /**
   * sha256 of everything a decoder is configured with (codec string, sizes, and the
   * out-of-band parameter sets such as H.264's SPS/PPS): equal keys mean one decoder set-up
   * reads every clip, which is what joining by stream copy needs.
   */
  readonly parametersKey: string;
}

/** Reads a clip's container with mediabunny (loaded on first use: only assembly needs it). */
export async function probeClip(file: string): Promise<ClipFacts> {
  const { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } = await import('mediabunny');
  const input = new Input({ source: new FilePathSource(file), formats: ALL_FORMATS });
  try {
    const video = await input.getPrimaryVideoTrack();
    if (video === null) throw new Error('no video track');
    const videoConfig = await video.getDecoderConfig();
    if (videoConfig === null) throw new Error('a video track no decoder can be configured for');
    const stats = await video.computePacketStats();
    const first = await new EncodedPacketSink(video).getFirstPacket();
    const audioTrack = (await input.getAudioTracks())[0] ?? null;
    const audioConfig = audioTrack === null ? null : await audioTrack.getDecoderConfig();
    return {
      width: video.displayWidth,
      height: video.displayHeight,
      rotation: video.rotation,
      frames: stats.packetCount,
      fps: stats.averagePacketRate,
      durationSeconds: await input.computeDuration(),
      startsWithKeyFrame: first?.type === 'key',
      video: {
        codec: videoConfig.codec,
        parametersKey: keyOf([videoConfig.codec, videoConfig.codedWidth, videoConfig.codedHeight, bytesOf(videoConfig.description)]),
      },
      audio:
        audioConfig === null
          ? null
          : {
              codec: audioConfig.codec,
              sampleRate: audioConfig.sampleRate,
              channels: audioConfig.numberOfChannels,
              parametersKey: keyOf([audioConfig.codec, audioConfig.sampleRate, audioConfig.numberOfChannels, bytesOf(audioConfig.description)]),
            },
    };
  } finally {
    input.dispose();
  }
}

/** The first audio track of a file (a music bed): its seconds and channels, from its container. */
export async function probeAudio(file: string): Promise<{ readonly seconds: number; readonly channels: number }> {
  const { ALL_FORMATS, FilePathSource, Input } = await import('mediabunny');
  const input = new Input({ source: new FilePathSource(file), formats: ALL_FORMATS });
  try {
    const audio = (await input.getAudioTracks())[0];
    if (audio === undefined) throw new Error('no audio track');
    return { seconds: await audio.computeDuration(), channels: audio.numberOfChannels };
  } finally {
    input.dispose();
  }
}

/** The decoder config's out-of-band bytes (avcC, AudioSpecificConfig) as hex. */
function bytesOf(description: unknown): string {
  if (ArrayBuffer.isView(description)) return Buffer.from(description.buffer, description.byteOffset, description.byteLength).toString('hex');
  if (description instanceof ArrayBuffer) return Buffer.from(description).toString('hex');
  return '';
}

function keyOf(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
