import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { MediaRenderer } from './src/emulator/media.js';
import { probeClip } from './src/cut/probe-media.js';
import { planAssembly, measureArgs, renderArgs } from './src/cut/ffmpeg-graph.js';
import { runFfmpeg } from './src/cut/run-ffmpeg.js';
import { parseMeasurement, planNormalisation } from './src/cut/loudness.js';
import { writeFileSync } from 'node:fs';
const r = new MediaRenderer({ root: '/tmp/cutx/bench-media', ffmpegPath: ffmpeg.path });
const clips = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await r.ensure({ seedHex: (0xc0ffee + i).toString(16), width: 1280, height: 720, seconds: 4, fps: 24, image: null })).video));
const film: any = { id: 'copy', width: 1280, height: 720, fps: 24, sequence: clips.map((c, i) => ({ kind: 'clip', job: `s${i}`, path: c, sha256: 'x', width: 1280, height: 720, clipSeconds: 4, from: 0, to: 4, transitionIn: 'cut' })), audio: { musicGainDb: -14, loudnessLufs: -14 } };
const facts = new Map(await Promise.all(clips.map(async (c, i) => [i, await probeClip(c)] as const)));
const plan = planAssembly(film, facts, { concatListPath: '/tmp/cutx/list.txt', musicChannels: 0 }); writeFileSync('/tmp/cutx/list.txt', plan.concatList!);
for (let i = 0; i < 2; i++) {
const e1 = await runFfmpeg({ args: ['-benchmark', ...measureArgs(plan)!], durationSeconds: 40 });
const m = parseMeasurement(e1);
const a = renderArgs(plan, planNormalisation(m, -14), '/tmp/cutx/o.mp4'); a.splice(a.indexOf('-loglevel'), 2, '-loglevel', 'info');
const e2 = await runFfmpeg({ args: ['-benchmark', ...a], durationSeconds: 40 });
const b = [...a]; b.splice(b.indexOf('-map_metadata') - 0, 0); const k = b.indexOf('[aout]', b.indexOf('-filter_complex') + 2);
const e3 = await runFfmpeg({ args: ['-benchmark', '-hide_banner', '-f', 'concat', '-safe', '0', '-i', '/tmp/cutx/list.txt', '-map', '0:v:0', '-c:v', 'copy', '-f', 'mp4', '-y', '/tmp/cutx/v.mp4'], durationSeconds: 40 });
const t = performance.now(); await runFfmpeg({ args: ['-version'], durationSeconds: 1 }); const spawnMs = performance.now() - t;
console.log([e1, e2, e3].map((e) => e.split('\n').filter((x) => x.startsWith('bench: u'))[0]), 'spawn', spawnMs.toFixed(0));
}
