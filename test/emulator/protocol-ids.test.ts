import { describe, expect, it } from 'vitest';
import { flavorNamed } from '../../src/emulator/flavor.js';
import { appPathOf } from '../../src/emulator/protocols/fal/models.js';

describe('protocol id forms', () => {
  it('fal: status, result and cancel live under {owner}/{alias}; namespaced ids keep their namespace', () => {
    expect(appPathOf('fal-ai/kling-video/v2.1/master/text-to-video')).toBe('fal-ai/kling-video');
    expect(appPathOf('fal-ai/veo3.1')).toBe('fal-ai/veo3.1');
    expect(appPathOf('workflows/me/my-flow/sub/path')).toBe('workflows/me/my-flow');
    expect(appPathOf('comfy/me/graph')).toBe('comfy/me/graph');
  });

  it("makes ids of each vendor's form from the random bytes it is given", () => {
    const bytes = (size: number): Uint8Array => Uint8Array.from({ length: size }, (_, index) => (index * 37 + 11) % 256);
    expect(flavorNamed('gemini').newId(bytes, { model: 'm' })).toMatch(/^[a-z0-9]{12}$/);
    expect(flavorNamed('fal').newId(bytes, { model: 'm' })).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(flavorNamed('replicate').newId(bytes, { model: 'm' })).toMatch(/^[a-z2-7]{26}$/);
    // RFC 4648 base32 of 16 zero bytes is 26 'a's (zero is 'a' in the lower-case alphabet).
    expect(flavorNamed('replicate').newId((size) => new Uint8Array(size), { model: 'm' })).toBe('a'.repeat(26));
  });
});
