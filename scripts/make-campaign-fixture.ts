/**
 * Writes test/fixtures/campaign.lock.json: the lockfile of examples/campaign.yaml with every
 * job completed. Regenerate it only when the fingerprint or lockfile format changes on
 * purpose; test/plan/plan-campaign.test.ts fails until then.
 */
import { writeFileSync } from 'node:fs';
import { serializeLockfile } from '../src/lockfile/parse-lockfile.js';
import { loadStoryboard } from '../src/storyboard/load-storyboard.js';
import { completedLockfile } from '../test/helpers/campaign-lock.js';

const examples = new URL('../examples/', import.meta.url).pathname;
const { loaded, issues } = await loadStoryboard('campaign.yaml', { cwd: examples });
if (!loaded) throw new Error(`examples/campaign.yaml is invalid: ${issues.map((i) => i.message).join('; ')}`);
const createdAt = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000 - 3600;
writeFileSync(new URL('../test/fixtures/campaign.lock.json', import.meta.url), serializeLockfile(completedLockfile(loaded, createdAt)));
