import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/plan/graph.js';
import type { ParentKind } from '../../src/storyboard/parent-link.js';
import { loadStoryboard, type LoadedStoryboard } from '../../src/storyboard/load-storyboard.js';
import { runCli } from '../helpers/cli.js';
import { encodeClip } from './clips.js';
import { writeProject, yaml, type Tree } from './helpers.js';

/**
 * The valid table of continuity, edits, extensions and characters: each row is a project that
 * must load without issues into exactly the listed job ids, with the listed parents, fields,
 * video lengths and casts; the job graph puts every parent before its children; `shotlist
 * validate` agrees.
 */

interface JobFacts {
  readonly parent?: { readonly kind: ParentKind; readonly job: string } | null;
  readonly remixOf?: string | null;
  readonly model?: string | null;
  readonly size?: string;
  readonly seconds?: string;
  /** Length of the video the job makes, and the extensions in it. */
  readonly video?: { readonly seconds: number; readonly extensions: number };
  readonly characters?: readonly string[];
  readonly extra?: Readonly<Record<string, string | number>> | null;
}

interface ValidRow {
  readonly name: string;
  readonly files: () => Promise<Tree>;
  readonly shots: number;
  readonly jobs: readonly string[];
  readonly facts?: Readonly<Record<string, JobFacts>>;
  /** More checks on the loaded storyboard. */
  readonly check?: (loaded: LoadedStoryboard, dir: string) => void;
}

const HEAD = ['version: 1', 'name: t'];
/** The emulator with a model that renders any length: extension limits beyond 12 s can be reached. */
const ANY_SECONDS = ['provider:', '  profile: emulator', '  models:', '    sora-2: {sizes: [1280x720, 720x1280], seconds: any}'];
const board =
  (...lines: string[]) =>
  async (): Promise<Tree> => ({ 'board.yaml': yaml(...lines) });

const VALID: ValidRow[] = [
  {
    name: 'a scene in continuity: each shot continues the aligned job of the one before, inheriting its model and size unless it sets them',
    files: board(
      ...HEAD,
      'defaults:',
      '  size: 720x1280',
      '  seconds: 12',
      'shots:',
      '  - id: enter',
      '    prompt: A fox enters the {{room}}.',
      '    model: sora-2-pro',
      '    size: 1280x720',
      '    seconds: 8',
      '    variants:',
      '      room: [kitchen, attic]',
      '  - id: sit',
      '    continue: enter',
      '    prompt: The fox sits down in the {{room}}, take {{take}}.',
      '    variants:',
      '      take: [1, 2]',
      '  - id: leave',
      '    continue: sit',
      '    prompt: The fox leaves.',
      '    seconds: 4',
      '    size: 720x1280',
    ),
    shots: 3,
    jobs: [
      'enter[room=kitchen]',
      'enter[room=attic]',
      'sit[room=kitchen,take=1]',
      'sit[room=kitchen,take=2]',
      'sit[room=attic,take=1]',
      'sit[room=attic,take=2]',
      'leave[room=kitchen,take=1]',
      'leave[room=kitchen,take=2]',
      'leave[room=attic,take=1]',
      'leave[room=attic,take=2]',
    ],
    facts: {
      'enter[room=attic]': { parent: null, size: '1280x720', seconds: '8' },
      // Model and size are the parent's; the length is the shot's own, else defaults.
      'sit[room=attic,take=2]': {
        parent: { kind: 'continue', job: 'enter[room=attic]' },
        remixOf: null,
        model: 'sora-2-pro',
        size: '1280x720',
        seconds: '12',
        extra: null,
        video: { seconds: 12, extensions: 0 },
      },
      'leave[room=kitchen,take=1]': {
        parent: { kind: 'continue', job: 'sit[room=kitchen,take=1]' },
        model: 'sora-2-pro',
        size: '720x1280',
        seconds: '4',
        video: { seconds: 4, extensions: 0 },
      },
    },
    check: (loaded) => {
      // A continuation's first frame is its parent's last: none is known before the parent renders.
      expect(loaded.jobs.every((job) => job.inputReference === null)).toBe(true);
    },
  },
  {
    name: 'a continuation listed before the shot it continues: the graph still puts the parent first',
    files: board(
      ...HEAD,
      'shots:',
      '  - id: after',
      '    continue: before',
      '    prompt: Then the door closes.',
      '  - id: before',
      '    prompt: A door opens.',
      '    size: 1280x720',
    ),
    shots: 2,
    jobs: ['after', 'before'],
    facts: { after: { parent: { kind: 'continue', job: 'before' }, size: '1280x720', seconds: '4', video: { seconds: 4, extensions: 0 } } },
  },
  {
    name: 'an edit and a remix of the same shot: both inherit every field, only the remix is a remix',
    files: board(
      ...HEAD,
      'shots:',
      '  - id: hero',
      '    prompt: A {{product}} on a counter.',
      '    model: sora-2-pro',
      '    size: 1792x1024',
      '    seconds: 12',
      '    variants:',
      '      product: [mug, teapot]',
      '  - id: dusk',
      '    edit: hero',
      '    prompt: The same {{product}} at dusk, {{light}}.',
      '    variants:',
      '      light: [warm, cold]',
      '  - id: night',
      '    remix: hero',
      '    prompt: At night.',
    ),
    shots: 3,
    jobs: [
      'hero[product=mug]',
      'hero[product=teapot]',
      'dusk[product=mug,light=warm]',
      'dusk[product=mug,light=cold]',
      'dusk[product=teapot,light=warm]',
      'dusk[product=teapot,light=cold]',
      'night[product=mug]',
      'night[product=teapot]',
    ],
    facts: {
      'dusk[product=teapot,light=cold]': {
        parent: { kind: 'edit', job: 'hero[product=teapot]' },
        remixOf: null,
        model: 'sora-2-pro',
        size: '1792x1024',
        seconds: '12',
        extra: null,
        video: { seconds: 12, extensions: 0 },
      },
      'night[product=mug]': { parent: { kind: 'remix', job: 'hero[product=mug]' }, remixOf: 'hero[product=mug]', size: '1792x1024' },
    },
  },
  {
    name: 'an extension chain at the limits: six extensions of up to 20 seconds, 120 seconds in all',
    files: board(
      ...HEAD,
      ...ANY_SECONDS,
      'defaults:',
      '  size: 1280x720',
      'shots:',
      '  - id: e0',
      '    prompt: A train leaves the station.',
      '    seconds: 10',
      ...[1, 2, 3, 4, 5, 6].flatMap((n) => [
        `  - id: e${n}`,
        `    extend: e${n - 1}`,
        `    prompt: The journey, part ${n}.`,
        `    seconds: ${n === 6 ? 10 : 20}`,
      ]),
    ),
    shots: 7,
    jobs: ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'],
    facts: {
      e1: { parent: { kind: 'extend', job: 'e0' }, size: '1280x720', seconds: '20', video: { seconds: 30, extensions: 1 } },
      e6: { parent: { kind: 'extend', job: 'e5' }, seconds: '10', video: { seconds: 120, extensions: 6 } },
    },
  },
  {
    name: "an extension's seconds from its own axis, its shot or defaults; model and size always its parent's",
    files: board(
      ...HEAD,
      'defaults:',
      '  seconds: 8',
      'shots:',
      '  - id: base',
      '    prompt: Waves on a beach.',
      '    size: 1280x720',
      '    seconds: 12',
      '  - id: more',
      '    extend: base',
      '    prompt: The tide comes in.',
      '    variants:',
      '      seconds: [4, 12]',
      '  - id: plain',
      '    extend: base',
      '    prompt: The tide goes out.',
    ),
    shots: 3,
    jobs: ['base', 'more[seconds=4]', 'more[seconds=12]', 'plain'],
    facts: {
      'more[seconds=4]': { parent: { kind: 'extend', job: 'base' }, size: '1280x720', seconds: '4', video: { seconds: 16, extensions: 1 } },
      'more[seconds=12]': { seconds: '12', video: { seconds: 24, extensions: 1 } },
      plain: { seconds: '8', size: '1280x720', video: { seconds: 20, extensions: 1 } },
    },
  },
  {
    name: 'a mixed chain: an edit keeps the whole length and the extension count, a continuation starts a new video',
    files: board(
      ...HEAD,
      'shots:',
      '  - id: a',
      '    prompt: A kite rises.',
      '    seconds: 8',
      '  - id: b',
      '    extend: a',
      '    prompt: It climbs.',
      '    seconds: 12',
      '  - id: c',
      '    edit: b',
      '    prompt: In autumn colours.',
      '  - id: d',
      '    extend: c',
      '    prompt: It dives.',
      '    seconds: 4',
      '  - id: e',
      '    continue: d',
      '    prompt: It lands.',
    ),
    shots: 5,
    jobs: ['a', 'b', 'c', 'd', 'e'],
    facts: {
      b: { video: { seconds: 20, extensions: 1 } },
      // An edit of an extended video is as long as all of it, not as what the extension added.
      c: { parent: { kind: 'edit', job: 'b' }, seconds: '20', video: { seconds: 20, extensions: 1 } },
      d: { seconds: '4', video: { seconds: 24, extensions: 2 } },
      // A continuation's length is its own (here the provider's default), never an extension's.
      e: { parent: { kind: 'continue', job: 'd' }, seconds: '4', video: { seconds: 4, extensions: 0 } },
    },
  },
  {
    name: 'characters: declared with a 2-4 s clip, cast by shots that name them verbatim in the rendered prompt',
    files: async () => ({
      'board.yaml': yaml(
        ...HEAD,
        'characters:',
        '  - name: Mossy',
        '    clip: assets/mossy.mp4',
        '  - name: Captain Pip',
        '    clip: assets/pip.mp4',
        'shots:',
        '  - id: meet',
        '    prompt: "{{who}} waves at Captain Pip."',
        '    characters: [Mossy, Captain Pip]',
        '    variants:',
        '      who: [Mossy]',
        '  - id: after',
        '    continue: meet',
        '    prompt: Captain Pip walks away.',
        '    characters: [Captain Pip]',
        '  - id: alone',
        '    prompt: An empty beach.',
      ),
      'assets/mossy.mp4': await encodeClip(3),
      'assets/pip.mp4': await encodeClip(2, '720x1280', true),
    }),
    shots: 3,
    jobs: ['meet[who=Mossy]', 'after[who=Mossy]', 'alone'],
    facts: {
      'meet[who=Mossy]': { characters: ['Mossy', 'Captain Pip'] },
      'after[who=Mossy]': { characters: ['Captain Pip'], parent: { kind: 'continue', job: 'meet[who=Mossy]' } },
      alone: { characters: [] },
    },
    check: (loaded, dir) => {
      expect(loaded.storyboard.characters.map((c) => [c.name, c.clip.path])).toEqual([
        ['Mossy', 'assets/mossy.mp4'],
        ['Captain Pip', 'assets/pip.mp4'],
      ]);
      const mossy = loaded.characterClips.get(path.join(dir, 'assets/mossy.mp4'));
      expect(mossy).toMatchObject({ status: 'ok', video: { width: 1280, height: 720 } });
      expect(mossy?.status === 'ok' && mossy.video!.seconds).toBeCloseTo(3, 1);
      expect(mossy?.status === 'ok' && mossy.sha256).toMatch(/^[0-9a-f]{64}$/);
      const pip = loaded.characterClips.get(path.join(dir, 'assets/pip.mp4'));
      expect(pip).toMatchObject({ status: 'ok', video: { width: 720, height: 1280 } });
    },
  },
  {
    name: 'a provider block that grants edits and extensions to a profile without them',
    files: board(
      ...HEAD,
      'provider:',
      '  profile: vllm-omni',
      '  base_url: http://127.0.0.1:8091/v1',
      '  features: {edit: true, extend: true, characters: 1}',
      'shots:',
      '  - id: a',
      '    prompt: A lantern.',
      '  - id: b',
      '    edit: a',
      '    prompt: A paper lantern.',
      '  - id: c',
      '    extend: b',
      '    prompt: It floats away.',
      '  - id: d',
      '    continue: c',
      '    prompt: Another lantern rises.',
      '    seed: 11',
    ),
    shots: 4,
    jobs: ['a', 'b', 'c', 'd'],
    facts: {
      c: { parent: { kind: 'extend', job: 'b' }, size: '832x480', seconds: '4', extra: null, video: { seconds: 8, extensions: 1 } },
      // A continuation is a create: it sends the extra fields the provider takes.
      d: { parent: { kind: 'continue', job: 'c' }, size: '832x480', extra: { seed: 11 } },
    },
  },
];

describe('valid storyboards: continuity, edits, extensions, characters', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it.each(VALID)('loads $name', async (row) => {
    const { dir, cleanup } = await writeProject(await row.files());
    cleanups.push(cleanup);

    const result = await loadStoryboard('board.yaml', { cwd: dir });
    expect(result.issues).toEqual([]);
    const loaded = result.loaded!;
    expect(loaded.jobs.map((job) => job.id)).toEqual(row.jobs);
    for (const [id, facts] of Object.entries(row.facts ?? {})) {
      const job = loaded.jobs.find((j) => j.id === id)!;
      expect(job, id).toBeDefined();
      if (facts.parent !== undefined) expect(job.parent, id).toEqual(facts.parent);
      if (facts.remixOf !== undefined) expect(job.remixOf, id).toBe(facts.remixOf);
      if (facts.model !== undefined) expect(job.model?.value ?? null, id).toBe(facts.model);
      if (facts.size !== undefined) expect(job.size.value, id).toBe(facts.size);
      if (facts.seconds !== undefined) expect(job.seconds.value, id).toBe(facts.seconds);
      if (facts.video !== undefined) expect(job.video, id).toEqual(facts.video);
      if (facts.characters !== undefined) expect(job.characters, id).toEqual(facts.characters);
      if (facts.extra !== undefined) expect(job.extra, id).toEqual(facts.extra);
    }
    // Every parent, of whatever kind, comes before its children in the plan's graph.
    const graph = buildGraph(loaded.jobs);
    for (const job of loaded.jobs) {
      expect(graph.parentOf.get(job.id)).toBe(job.parent?.job ?? null);
      if (job.parent) expect(graph.order.indexOf(job.parent.job), job.id).toBeLessThan(graph.order.indexOf(job.id));
    }
    expect(graph.order).toHaveLength(loaded.jobs.length);
    row.check?.(loaded, dir);
    // Watch mode re-validates when a character's clip changes.
    for (const character of loaded.storyboard.characters) expect(result.dependencies).toContain(character.clip.absPath);

    const run = await runCli(['validate', 'board.yaml'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`✓ board.yaml: ${row.shots} shots, ${row.jobs.length} job${row.jobs.length === 1 ? '' : 's'}\n`);
    expect(run.code).toBe(0);
  });
});
