import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../../src/providers/builtin.js';
import { flavorNamed } from '../../src/emulator/flavor.js';

/**
 * Each built-in profile says which ways of building on a video its servers have (remix, edits,
 * extensions, characters), and validation refuses the rest. Those claims must be the servers':
 * the emulator's flavor of each backend is held to the reference (§12, §14), so a profile that
 * disagrees with its flavor would refuse what the server does, or send what it answers 404 to.
 */

describe('what each built-in profile says its servers serve', () => {
  it('is what the emulator flavor of that server serves', () => {
    const claims = (name: string) => {
      const { features } = builtinProfiles[name]!;
      return { remix: features.remix, edit: features.edit === true, extend: features.extend === true, characters: (features.characters ?? 0) > 0 };
    };
    const served = (name: string) => {
      const flavor = flavorNamed(name);
      return { remix: flavor.remix, edit: flavor.edits, extend: flavor.extensions, characters: flavor.characters };
    };
    // The embedded emulator is the openai flavor.
    expect(claims('emulator')).toEqual(served('openai'));
    for (const name of ['openai', 'azure', 'vllm-omni', 'litellm']) expect(claims(name), name).toEqual(served(name));
  });

  it('casts at most the two characters per video of the March-2026 guide where characters are served', () => {
    const most = Object.fromEntries(
      ['emulator', 'openai', 'azure', 'vllm-omni', 'litellm'].map((name) => [name, builtinProfiles[name]!.features.characters ?? 0]),
    );
    expect(most).toEqual({ emulator: 2, openai: 2, azure: 0, 'vllm-omni': 0, litellm: 2 });
  });
});
