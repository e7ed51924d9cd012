import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadedVideo } from './job.js';
import { writeJsonAtomic } from './video-store.js';

const STATE_VERSION = 1;

/** A character as the emulator keeps it: what `POST /videos/characters` made of its upload. */
export interface CharacterRecord {
  /** `char_` + hex (LiteLLM: `character_` + base64, `=` padding included). */
  id: string;
  name: string;
  createdMs: number;
  /** The clip it was made from (its bytes are not kept: nothing renders from them). */
  video: UploadedVideo;
}

interface StoredCharacter {
  version: number;
  character: CharacterRecord;
}

/**
 * The emulator's characters, in memory and, with a state directory, one JSON file per character
 * (`characters/<id>.json`, written atomically) reloaded on start, as the video store keeps jobs.
 */
export class CharacterStore {
  private readonly characters = new Map<string, CharacterRecord>();
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown = null;

  private constructor(private readonly dir: string | null) {}

  static async open(stateDir: string | null): Promise<CharacterStore> {
    const store = new CharacterStore(stateDir === null ? null : join(stateDir, 'characters'));
    await store.load();
    return store;
  }

  get(id: string): CharacterRecord | undefined {
    return this.characters.get(id);
  }

  /** Records a new character; the write to disk is queued, in order. */
  put(character: CharacterRecord): void {
    this.characters.set(character.id, character);
    const dir = this.dir;
    if (dir === null) return;
    const snapshot: StoredCharacter = { version: STATE_VERSION, character: { ...character } };
    this.writes = this.writes
      .then(() => writeJsonAtomic(join(dir, fileName(character.id)), snapshot))
      .catch((error: unknown) => {
        this.writeError = error;
      });
  }

  /** Resolves when every queued write is on disk; rejects if any of them failed. */
  async flush(): Promise<void> {
    await this.writes;
    if (this.writeError !== null) throw this.writeError;
  }

  private async load(): Promise<void> {
    if (this.dir === null) return;
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const stored = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as StoredCharacter;
      if (stored.version !== STATE_VERSION) continue;
      this.characters.set(stored.character.id, stored.character);
    }
  }
}

/** An id as a file name, percent-encoded: an id is the server's to choose, a path separator in it must not make a directory. */
function fileName(id: string): string {
  return `${encodeURIComponent(id)}.json`;
}
