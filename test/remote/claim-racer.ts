/**
 * One "machine" of the claim race in directory-claims.test.ts, run as its own process: waits for
 * the go file, then for each fingerprint meets its claim on the shared directory and either
 * creates (logged as the paid create, then the video recorded on the claim) or adopts the
 * video another process recorded. Lines of JSON go to the log, appended whole.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClaimWatch, createClaimIdentity, meetClaim, openRemoteStore } from '../../src/remote/index.js';

const [remoteDir, log, goFile, readyFile, ...fingerprints] = process.argv.slice(2) as [string, string, string, string, ...string[]];
const store = await openRemoteStore({ kind: 'directory', path: remoteDir });
const claims = await store.claims();
const ctx = { claims, me: createClaimIdentity(), watch: new ClaimWatch(), now: () => Date.now() };
writeFileSync(readyFile, '');
while (!existsSync(goFile)) await sleep(5);

const record = (entry: object) => appendFileSync(log, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
for (const [i, fingerprint] of fingerprints.entries()) {
  for (;;) {
    const outcome = await meetClaim(ctx, fingerprint);
    if ('kind' in outcome) {
      record({ fingerprint, event: 'create' });
      const video = `video_${process.pid}_${i}`;
      await outcome.lease.recordVideo(video);
      record({ fingerprint, event: 'owned', video });
      break;
    }
    if (outcome.action === 'adopt') {
      record({ fingerprint, event: 'adopt', video: outcome.videoId });
      break;
    }
    // The owner records its video within milliseconds here; a real run waits `retryAfterMs`.
    await sleep(10);
  }
}
