// The transmission report of a sent fax, as a fax machine prints its confirmation page: when, to whom,
// the receiving station's id, pages sent against pages confirmed, the result, and the first page.

import { PDFDocument, type PDFFont, rgb, StandardFonts } from 'pdf-lib';
import type { FailureAdvice } from './failure-advice.ts';

export interface TransmissionReportFields {
  faxId: string;
  from: string;
  to: string;
  submittedAt: string;
  completedAt: string | null;
  status: string;
  pages: number;
  pagesDelivered: number;
  attempts: number;
  remoteStationId: string | null;
  transport: 't38' | 'audio' | null;
  bitRate: number | null;
  durationMs: number | null;
  t30Code: number | null;
  t30Text: string | null;
  failure: (FailureAdvice & { code: string }) | null;
  /** PNG of the first page, when the document is still kept. */
  firstPage: Buffer | null;
  /** The appliance's name on the header (the public URL's host). */
  station: string;
}

const LETTER = { width: 612, height: 792 };

export async function renderTransmissionReport(f: TransmissionReportFields): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Transmission report ${f.faxId}`);
  doc.setProducer('FaxSeal');
  doc.setCreationDate(new Date(f.completedAt ?? f.submittedAt));
  const page = doc.addPage([LETTER.width, LETTER.height]);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const mono = await doc.embedFont(StandardFonts.Courier);
  const ink = rgb(0.1, 0.1, 0.1);
  let y = LETTER.height - 60;
  const text = (s: string, x: number, size: number, font: PDFFont) =>
    page.drawText(ascii(s), { x, y, size, font, color: ink });

  text('TRANSMISSION REPORT', 48, 18, bold);
  y -= 18;
  text(f.station, 48, 10, regular);
  y -= 16;
  page.drawLine({ start: { x: 48, y }, end: { x: LETTER.width - 48, y }, thickness: 1, color: ink });
  y -= 24;

  const delivered = f.status === 'delivered';
  const result = delivered
    ? 'OK'
    : f.status === 'failed'
      ? `FAILED (${f.failure?.code ?? 'error'})`
      : f.status.toUpperCase();
  const rows: [string, string][] = [
    ['Result', result],
    ['Fax id', f.faxId],
    ['Date / time', formatTime(f.completedAt ?? f.submittedAt)],
    ['From', f.from],
    ['To', f.to],
    ['Remote station id', f.remoteStationId?.trim() || '-'],
    ['Pages', `${f.pagesDelivered} of ${f.pages} confirmed`],
    ['Attempts', String(f.attempts)],
    [
      'Mode',
      f.transport
        ? `${f.transport === 't38' ? 'T.38' : 'G.711 audio'}${f.bitRate ? `, ${f.bitRate} bit/s` : ''}`
        : '-',
    ],
    ['Duration', f.durationMs !== null ? `${Math.round(f.durationMs / 1000)} s` : '-'],
    ['T.30 result', f.t30Code !== null ? `${f.t30Code} ${f.t30Text ?? ''}`.trim() : '-'],
    ['Submitted', formatTime(f.submittedAt)],
  ];
  for (const [label, value] of rows) {
    text(label, 48, 11, bold);
    text(value, 190, 11, label === 'Fax id' ? mono : regular);
    y -= 18;
  }
  if (f.failure) {
    y -= 6;
    text(f.failure.summary, 48, 11, regular);
    y -= 16;
    text(`What to do: ${f.failure.whatToDo}`, 48, 10, regular);
    y -= 16;
  }

  if (f.firstPage) {
    const image = await doc.embedPng(f.firstPage);
    const maxHeight = y - 60;
    const scale = Math.min(260 / image.width, maxHeight / image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    y -= 14;
    text('First page', 48, 10, bold);
    page.drawImage(image, { x: 48, y: y - 8 - h, width: w, height: h });
    page.drawRectangle({
      x: 48,
      y: y - 8 - h,
      width: w,
      height: h,
      borderColor: ink,
      borderWidth: 0.5,
    });
  }
  return doc.save();
}

function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** The standard fonts are WinAnsi: keep the report to what they can print. */
function ascii(s: string): string {
  return s.replace(/[’‘]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}
