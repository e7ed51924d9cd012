import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { renderReport } from '../../src/report/render-report.js';
import { buildReportData, type ReportJob } from '../../src/report/report-data.js';
import { testChromium } from '../helpers/chromium.js';
import { runCli } from '../helpers/cli.js';
import { readLock, renderWith, startRenderEmulator } from '../render/helpers.js';

/**
 * The contact sheet, looked at in a real headless Chromium (the one `npm install` brings with
 * @sparticuz/chromium, driven by playwright-core): rendered by `shotlist render` on the emulator,
 * written by `shotlist report`, opened from disk over file://. No skipping: without the browser
 * this test fails.
 */

/** The few DOM shapes the page callbacks touch: the project compiles without the DOM lib. */
declare const document: {
  readonly images: ArrayLike<{ readonly complete: boolean }>;
  readonly scripts: { readonly length: number };
  querySelector(selector: string): { readonly textContent: string | null } | null;
};
declare const window: { readonly __pwned?: number; scrollTo(x: number, y: number): void };

const EVIL_PROMPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> & \'friends\'';

const STORYBOARD = `version: 1
name: sheet
provider: emulator
defaults: { model: sora-2, size: 1280x720, seconds: 4 }
shots:
  - id: hero
    prompt: A slow dolly-in on a {{product}}.
    variants:
      product: [mug, teapot]
  - id: hero-dusk
    remix: hero
    prompt: The same {{product}} at dusk.
  - id: evil
    prompt: ${JSON.stringify(EVIL_PROMPT)}
  - id: banned
    prompt: This one is refused by moderation.
  - id: banned-remix
    remix: banned
    prompt: Never sent.
`;

describe('the contact sheet in a headless browser', () => {
  let emu: RunningEmulator;
  let dir: string;
  let browser: Browser;
  let page: Page;
  let reportPath: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-report-'));
    await writeFile(path.join(dir, 'sheet.yaml'), STORYBOARD);
    emu = await startRenderEmulator({ faults: { moderation: { failPattern: 'refused by moderation' } } });
    const browserReady = testChromium().then(({ executablePath, args, env }) => chromium.launch({ executablePath, args: [...args], env }));
    const [render, launched] = await Promise.all([renderWith(emu, dir, 'sheet.yaml'), browserReady]);
    browser = launched;
    // The refused job fails alone; its remix is skipped.
    expect(render.code, render.stderr).toBe(1);
    const report = await runCli(['report', 'sheet.yaml'], { cwd: dir, now: () => Date.now() });
    expect(report.code, report.stderr).toBe(0);
    reportPath = path.join(dir, 'renders', 'sheet', 'report.html');
    expect(report.stdout).toBe('wrote renders/sheet/report.html (7 jobs)\n');
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(`file://${reportPath}`);
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const visibleIds = () => page.$$eval('article.card:not([hidden]) .job-id', (links) => links.map((a) => a.textContent));
  const choose = async (label: string, value: string) => page.selectOption(`#filters label:has-text("${label}") select`, value);

  it('one card per job; every completed job shows its thumbnail, loaded from the file beside the report', async () => {
    expect(await visibleIds()).toEqual([
      'hero[product=mug]',
      'hero[product=teapot]',
      'hero-dusk[product=mug]',
      'hero-dusk[product=teapot]',
      'evil',
      'banned',
      'banned-remix',
    ]);
    const thumbs = await page.$$eval('article.status-completed .thumb img', (imgs) =>
      imgs.map((img) => ({ src: img.getAttribute('src'), width: (img as unknown as { naturalWidth: number }).naturalWidth })),
    );
    expect(thumbs).toHaveLength(5);
    for (const thumb of thumbs) {
      expect(thumb.width, thumb.src!).toBeGreaterThan(0);
      expect(thumb.src).toMatch(/^[^/:]+\.webp$/); // relative, beside the report
    }
    expect(thumbs[0]!.src).toBe('hero%5Bproduct%3Dmug%5D.webp');
    expect(errors).toEqual([]);
  });

  it('failed and skipped jobs show their reason; cards carry bindings, lineage, video id, cost and age', async () => {
    const card = (id: string) => page.locator('article.card', { has: page.locator(`.job-id:text-is("${id}")`) });
    await expect(card('banned').locator('.badge').textContent()).resolves.toBe('failed');
    await expect(card('banned').locator('.reason').textContent()).resolves.toContain('moderation');
    await expect(card('banned-remix').locator('.reason').textContent()).resolves.toBe('not rendered yet');
    const lock = await readLock(dir, 'sheet.yaml');
    const dusk = card('hero-dusk[product=mug]');
    await expect(dusk.locator('.bindings').textContent()).resolves.toBe('product=mug');
    await expect(dusk.locator('code').textContent()).resolves.toBe(lock.jobs['hero-dusk[product=mug]']!.video_id);
    await expect(dusk.locator('.cost').textContent()).resolves.toBe('$0.40');
    await expect(dusk.locator('.age').textContent()).resolves.toBe('just now');
    // The lineage link leads to the parent's card.
    await dusk.locator('dd a', { hasText: 'hero[product=mug]' }).click();
    expect(await page.evaluate(() => document.querySelector('article:target .job-id')?.textContent)).toBe('hero[product=mug]');
  });

  it('a prompt holding <script> and markup is shown as text and never runs', async () => {
    const prompt = await page
      .locator('article.card', { has: page.locator('.job-id:text-is("evil")') })
      .locator('.prompt')
      .textContent();
    expect(prompt).toBe(EVIL_PROMPT);
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
    expect(await page.evaluate(() => document.scripts.length)).toBe(1);
    const html = await readFile(reportPath, 'utf8');
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
  });

  it('the filters by shot, by variant value and by status show only the matching cards', async () => {
    await choose('shot', 'hero');
    expect(await visibleIds()).toEqual(['hero[product=mug]', 'hero[product=teapot]']);
    expect(await page.locator('#shown').textContent()).toBe('2 of 7 jobs');
    await choose('shot', '');
    await choose('product', 'mug');
    expect(await visibleIds()).toEqual(['hero[product=mug]', 'hero-dusk[product=mug]']);
    await choose('shot', 'hero-dusk');
    expect(await visibleIds()).toEqual(['hero-dusk[product=mug]']);
    await choose('shot', 'evil');
    expect(await visibleIds()).toEqual([]);
    expect(await page.locator('#empty').isVisible()).toBe(true);
    await choose('shot', '');
    await choose('product', '');
    await choose('status', 'failed');
    expect(await visibleIds()).toEqual(['banned']);
    await choose('status', '');
    expect(await visibleIds()).toHaveLength(7);
  });

  it('hovering a thumbnail previews the video by its relative link; a click opens it with controls', async () => {
    const thumb = page.locator('article.card', { has: page.locator('.job-id:text-is("hero[product=teapot]")') }).locator('.thumb');
    await thumb.hover();
    const preview = thumb.locator('video');
    await expect(preview.getAttribute('src')).resolves.toBe('hero%5Bproduct%3Dteapot%5D.mp4');
    await page.mouse.move(0, 0);
    expect(await thumb.locator('video').count()).toBe(0);
    await thumb.click();
    expect(await page.locator('dialog#player').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    expect(await page.locator('dialog#player video').evaluate((v) => (v as unknown as { src: string }).src)).toMatch(
      /\/renders\/sheet\/hero%5Bproduct%3Dteapot%5D\.mp4$/,
    );
    await page.keyboard.press('Escape');
    expect(await page.locator('dialog#player').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
  });

  it('a screenshot of the page is a non-empty PNG', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const file = path.join(dir, 'report.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = await readFile(file);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect((await stat(file)).size).toBeGreaterThan(10_000);
    // The IHDR width: the page as laid out at 1280 px.
    expect(png.readUInt32BE(16)).toBe(1280);
    if (process.env['SHOTLIST_KEEP_SCREENSHOT']) await writeFile(process.env['SHOTLIST_KEEP_SCREENSHOT'], png);
  });
});

describe('the contact sheet as data and HTML', () => {
  const job = (id: string, shotId: string, prompt: string, remixOf: string | null = null): ReportJob => ({
    id,
    shotId,
    bindings: [],
    prompt,
    model: { value: 'sora-2', origin: null },
    size: { value: '1280x720', origin: null },
    seconds: { value: '4', origin: null },
    remixOf,
  });

  it("the last run's outcome names why a job has no video; links of missing files are left out; every string is escaped", () => {
    const data = buildReportData({
      name: 'n<&>',
      jobs: [job('a"b', 'a', 'p & <b>'), job('c', 'c', 'q', 'a"b')],
      lockfile: null,
      lockDir: '/p',
      reportDir: '/p/renders/n',
      present: new Set(),
      outcomes: new Map([['c', { status: 'skipped', message: 'not sent, because a"b failed' }]]),
      now: 1_800_000_000,
    });
    expect(data.cards.map((card) => [card.status, card.reason])).toEqual([
      ['not_rendered', { code: 'not-rendered' }],
      ['skipped', { code: 'run', message: 'not sent, because a"b failed' }],
    ]);
    expect(data.cards[1]!.remixOf).toEqual({ id: 'a"b', anchor: 'job-0' });
    expect(data.cards[0]!.remixes).toEqual([{ id: 'c', anchor: 'job-1' }]);
    const html = renderReport(data);
    expect(html).toContain('<title>n&lt;&amp;&gt; · contact sheet</title>');
    expect(html).toContain('<p class="prompt">p &amp; &lt;b&gt;</p>');
    expect(html).toContain('data-shot="a"');
    expect(html).toContain('not sent, because a&quot;b failed');
    expect(html).not.toMatch(/<b>|a"b/);
    expect(html).not.toMatch(/https?:\/\//); // nothing from the network
  });
});
