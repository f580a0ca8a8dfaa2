// Shared support for the outbound and credits suites: generated PDFs (plain, encrypted, damaged),
// a partner with a number and credits, and multipart/JSON fax submissions over real HTTP.

import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { CallResult, TestAppliance } from '../support/test-appliance.ts';

/** A Letter-size PDF with a few words per page: compact pages, so real-time test faxes stay short. */
export async function makePdf(pages: number, label = 'FaxSeal test'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.HelveticaBold);
  for (let i = 1; i <= pages; i++) {
    const page = doc.addPage([612, 792]);
    page.drawText(`${label}`, { x: 72, y: 700, size: 28, font });
    page.drawText(`Page ${i} of ${pages}`, { x: 72, y: 640, size: 40, font });
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A PDF whose trailer names a Standard security handler no empty password opens. */
export async function makeEncryptedPdf(): Promise<Buffer> {
  const text = (await makePdf(1)).toString('latin1');
  const encrypt = `/Encrypt << /Filter /Standard /V 1 /R 2 /O <${'A'.repeat(64)}> /U <${'B'.repeat(64)}> /P -44 >>\n/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]\n`;
  return Buffer.from(text.replace(/trailer\s*<</, `trailer\n<<\n${encrypt}`), 'latin1');
}

/** The first 300 bytes of a PDF: a header, then nothing a reader can use. */
export async function makeCorruptPdf(): Promise<Buffer> {
  return (await makePdf(1)).subarray(0, 300);
}

export interface SendingPartner {
  partnerId: string;
  apiKey: string;
  externalUserId: string;
  number: string;
}

/** Onboards a partner, gives one user a number and grants `credits`. */
export async function sendingPartner(app: TestAppliance, credits: number): Promise<SendingPartner> {
  const { partnerId, apiKey } = await app.onboardPartner();
  const externalUserId = `user-${partnerId.slice(-6)}`;
  const provisioned = await app.call('POST', '/api/partner/numbers', {
    key: apiKey,
    body: { externalUserId, tier: 'business' },
  });
  if (provisioned.status !== 201) throw new Error(`provision failed: ${provisioned.text}`);
  if (credits > 0) await grant(app, partnerId, credits);
  return { partnerId, apiKey, externalUserId, number: provisioned.body.number };
}

export function adminToken(app: TestAppliance): string {
  const token = app.firstRunOperator?.token;
  if (!token) throw new Error('the test appliance has no first-run operator');
  return token;
}

export async function grant(app: TestAppliance, partnerId: string, amount: number): Promise<CallResult> {
  const res = await app.call('POST', `/api/admin/partners/${partnerId}/credits`, {
    key: adminToken(app),
    body: { amount, note: 'test grant' },
  });
  if (res.status !== 201) throw new Error(`grant failed: ${res.text}`);
  return res;
}

/** POST /api/partner/fax as multipart/form-data with `file`. */
export async function sendMultipart(
  app: TestAppliance,
  key: string,
  fields: Record<string, string>,
  pdf: Buffer | null,
  headers: Record<string, string> = {},
): Promise<CallResult> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (pdf) form.append('file', new Blob([new Uint8Array(pdf)], { type: 'application/pdf' }), 'document.pdf');
  const res = await fetch(`${app.httpUrl}/api/partner/fax`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, ...headers },
    body: form,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body, text };
}

/** The lab trunk (seeded on first start). */
export async function labTrunk(app: TestAppliance): Promise<{ id: string }> {
  const res = await app.call('GET', '/api/admin/trunks', { key: adminToken(app) });
  const lab = res.body.items.find((t: { name: string }) => t.name === 'lab');
  if (!lab) throw new Error('no lab trunk');
  return lab;
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
