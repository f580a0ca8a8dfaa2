// Renders the fax cover page from resources/cover-page/template.json with pdf-lib: a one-page PDF
// that is rasterised with the document. The template is data, so changing the look is a JSON edit.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, type PDFFont, rgb, StandardFonts } from 'pdf-lib';

export interface CoverPageFields {
  from: string;
  to: string;
  /** ISO date-time; shown as a UTC date and time. */
  date: string;
  /** Total pages sent, cover included. */
  pages: number;
  subject: string;
  notes: string;
}

type Block =
  | { type: 'text'; text: string; font?: 'bold' | 'regular'; size: number; y: number }
  | { type: 'rule'; y: number; thickness: number }
  | {
      type: 'fields';
      y: number;
      size: number;
      lineHeight: number;
      labelWidth: number;
      fields: { label: string; value: string }[];
    }
  | { type: 'paragraph'; text: string; size: number; lineHeight: number; y: number; maxLines: number };

interface CoverTemplate {
  page: { width: number; height: number; margin: number };
  blocks: Block[];
}

export const COVER_TEMPLATE_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../resources/cover-page/template.json',
);

let template: CoverTemplate | undefined;
function loadTemplate(): CoverTemplate {
  template ??= JSON.parse(readFileSync(COVER_TEMPLATE_PATH, 'utf8')) as CoverTemplate;
  return template;
}

export async function renderCoverPage(fields: CoverPageFields): Promise<Uint8Array> {
  const { page: size, blocks } = loadTemplate();
  const doc = await PDFDocument.create();
  const page = doc.addPage([size.width, size.height]);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const values: Record<string, string> = {
    from: fields.from,
    to: fields.to,
    date: `${fields.date.slice(0, 10)} ${fields.date.slice(11, 16)} UTC`,
    pages: String(fields.pages),
    subject: fields.subject,
    notes: fields.notes,
  };
  const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
  const width = size.width - 2 * size.margin;
  const draw = (text: string, x: number, y: number, font: PDFFont, fontSize: number) =>
    page.drawText(encodable(text, font), {
      x,
      y: size.height - y,
      size: fontSize,
      font,
      color: rgb(0, 0, 0),
    });

  for (const block of blocks) {
    switch (block.type) {
      case 'text': {
        const font = block.font === 'bold' ? bold : regular;
        // Long fixed texts (the footer) wrap onto following lines.
        wrap(fill(block.text), font, block.size, width).forEach((line, i) => {
          draw(line, size.margin, block.y + i * block.size * 1.3, font, block.size);
        });
        break;
      }
      case 'rule':
        page.drawRectangle({
          x: size.margin,
          y: size.height - block.y,
          width,
          height: block.thickness,
          color: rgb(0, 0, 0),
        });
        break;
      case 'fields':
        block.fields.forEach((field, i) => {
          const y = block.y + i * block.lineHeight;
          draw(field.label, size.margin, y, bold, block.size);
          const [first] = wrap(fill(field.value), regular, block.size, width - block.labelWidth);
          draw(first ?? '', size.margin + block.labelWidth, y, regular, block.size);
        });
        break;
      case 'paragraph': {
        const lines = fill(block.text)
          .split(/\r?\n/)
          .flatMap((para) => wrap(para, regular, block.size, width));
        lines.slice(0, block.maxLines).forEach((line, i) => {
          draw(line, size.margin, block.y + i * block.lineHeight, regular, block.size);
        });
        break;
      }
    }
  }
  return doc.save();
}

/** Standard fonts speak WinAnsi only: anything else becomes '?' rather than failing the send. */
function encodable(text: string, font: PDFFont): string {
  const supported = new Set(font.getCharacterSet());
  return [...text.replace(/\t/g, ' ')].map((ch) => (supported.has(ch.codePointAt(0)!) ? ch : '?')).join('');
}

function wrap(text: string, font: PDFFont, fontSize: number, maxWidth: number): string[] {
  const words = encodable(text, font).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [''];
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(candidate, fontSize) <= maxWidth || !line) line = candidate;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}
