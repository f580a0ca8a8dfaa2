// What every console page is checked for in Chromium: it settles (an h1 that names the window title,
// no skeleton left), axe-core finds no serious or critical violation, and neither the desktop
// (1440×900) nor the phone (390×844) viewport scrolls sideways. A screenshot at each size goes to
// the run's folder.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** Waits for the page's h1 and for every loading skeleton to go; returns the heading. */
export async function settled(page: Page): Promise<string> {
  const heading = page.locator('h1');
  await heading.first().waitFor();
  await page.getByTestId('skeleton').first().waitFor({ state: 'detached', timeout: 30_000 });
  const text = ((await heading.first().textContent()) ?? '').trim();
  assert.equal(await heading.count(), 1, `one h1 on ${page.url()}`);
  return text;
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"')))
    await page.addScriptTag({ path: AXE_SOURCE });
  const result = (await page.evaluate(
    `window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`,
  )) as { violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** How far the document is wider than the viewport (0 when nothing scrolls sideways). */
async function horizontalOverflow(page: Page): Promise<number> {
  return (await page.evaluate(
    'Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth',
  )) as number;
}

/**
 * The innermost elements that reach past the viewport's right edge, described (tag, test id, classes,
 * width, the start of their text), so an overflow failure names what to fix instead of a number.
 */
export async function elementsPastTheEdge(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const edge = window.innerWidth + 1;
    const past = [...document.body.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > edge);
    const innermost = past.filter((e) => !past.some((o) => o !== e && e.contains(o)));
    return innermost.slice(0, 8).map((e) => {
      const r = e.getBoundingClientRect();
      const id = e.getAttribute('data-testid');
      const cls = [...e.classList].filter((c) => !c.startsWith('css-')).slice(0, 3).join('.');
      const text = (e.textContent || '').trim().slice(0, 60);
      return e.tagName.toLowerCase() + (id ? '[data-testid=' + id + ']' : '') + (cls ? '.' + cls : '') +
        ' ' + Math.round(r.left) + '..' + Math.round(r.right) + 'px "' + text + '"';
    });
  })()`)) as string[];
}

async function assertNoSidewaysScroll(page: Page, size: number): Promise<void> {
  // A resize reaches React through media-query listeners after the browser has laid the old layout
  // out at the new width; what counts is the layout the page settles on, so look again for a while.
  let overflow = await horizontalOverflow(page);
  for (let look = 0; overflow !== 0 && look < 20; look++) {
    await page.waitForTimeout(250);
    overflow = await horizontalOverflow(page);
  }
  if (overflow === 0) return;
  const culprits = await elementsPastTheEdge(page);
  assert.equal(
    overflow,
    0,
    `no sideways scroll on ${page.url()} at ${size}; past the edge: ${culprits.join('; ')}`,
  );
}

export interface PageCheck {
  heading: string;
  title: string;
}

/**
 * The quality bar for the page on screen, at both sizes: h1 and title, axe, no sideways scroll, a
 * screenshot each. Leaves the page at the desktop size.
 */
export async function checkPage(page: Page, shots: string, name: string): Promise<PageCheck> {
  await page.setViewportSize(DESKTOP);
  const heading = await settled(page);
  const title = await page.title();
  assert.equal(title, `${heading} · FaxSeal`, `the window title names the page (${page.url()})`);
  assert.deepEqual(await axeViolations(page), [], `axe on ${page.url()} at 1440`);
  await assertNoSidewaysScroll(page, DESKTOP.width);
  await page.screenshot({
    path: path.join(shots, `${name}-1440.png`),
    fullPage: true,
    animations: 'disabled',
  });
  await page.setViewportSize(PHONE);
  await settled(page);
  await assertNoSidewaysScroll(page, PHONE.width);
  assert.deepEqual(await axeViolations(page), [], `axe on ${page.url()} at 390`);
  await page.screenshot({
    path: path.join(shots, `${name}-390.png`),
    fullPage: true,
    animations: 'disabled',
  });
  await page.setViewportSize(DESKTOP);
  return { heading, title };
}

/** The link texts of the navigation, in order (desktop layout: the nav is always shown). */
export async function navigationLinks(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Pages' });
  await nav.getByRole('link').first().waitFor();
  return (await nav.getByRole('link').allTextContents()).map((t) => t.trim());
}
