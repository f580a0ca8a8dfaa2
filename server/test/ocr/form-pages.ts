// Generated form pages for the reading-order tests and the OCR bench: boxed claim forms, two-column
// intake forms under a full-width heading, label columns beside value columns, ruled and unruled
// tables. Each comes with its text in the reading order a person uses, and the phrases whose order
// that implies (label before its value, row before row).

import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from 'pdf-lib';

export interface FormPage {
  name: string;
  pdf: Uint8Array;
  /** The page's text in reading order, one line per line of text. */
  text: string;
  /** Phrases in the order they must be read: each is found in `text` after the one before. */
  order: string[];
}

const PAGE = { width: 612, height: 792 };

interface Ink {
  page: PDFPage;
  regular: PDFFont;
  bold: PDFFont;
}

async function newPage(): Promise<{ doc: PDFDocument; ink: Ink }> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  const page = doc.addPage([PAGE.width, PAGE.height]);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  return { doc, ink: { page, regular, bold } };
}

/** Text at (x, top) with top measured down from the page's top edge, as forms are specified. */
function write(ink: Ink, text: string, x: number, top: number, size: number, bold = false): void {
  ink.page.drawText(text, { x, y: PAGE.height - top - size, size, font: bold ? ink.bold : ink.regular });
}

function box(ink: Ink, x: number, top: number, width: number, height: number): void {
  ink.page.drawRectangle({
    x,
    y: PAGE.height - top - height,
    width,
    height,
    borderColor: rgb(0, 0, 0),
    borderWidth: 1,
  });
}

function rule(ink: Ink, x0: number, x1: number, top: number): void {
  ink.page.drawLine({
    start: { x: x0, y: PAGE.height - top },
    end: { x: x1, y: PAGE.height - top },
    thickness: 1,
    color: rgb(0, 0, 0),
  });
}

/** A CMS-1500-style claim: rows of boxes, each a small caps label over its value. */
export async function boxedClaimForm(): Promise<FormPage> {
  const { doc, ink } = await newPage();
  const rows: { label: string; value: string[]; width: number }[][] = [
    [
      { label: 'PATIENT NAME (Last, First)', value: ['GONZALEZ, MARIA'], width: 250 },
      { label: 'BIRTH DATE', value: ['07 22 1958'], width: 110 },
      { label: 'INSURED ID NUMBER', value: ['XQH448201907'], width: 108 },
    ],
    [
      { label: 'PATIENT ADDRESS', value: ['1420 Harbor Street', 'Springfield IL 62704'], width: 250 },
      { label: 'INSURED NAME', value: ['GONZALEZ, LUIS'], width: 218 },
    ],
    [
      { label: 'PATIENT PHONE', value: ['(217) 555-0142'], width: 150 },
      { label: 'GROUP NUMBER', value: ['GRP-77310'], width: 100 },
      { label: 'PLAN NAME', value: ['Prairie Health PPO'], width: 218 },
    ],
    [
      { label: 'REFERRING PROVIDER', value: ['Helen Park MD'], width: 250 },
      { label: 'NPI', value: ['1234567893'], width: 218 },
    ],
  ];
  write(ink, 'HEALTH INSURANCE CLAIM FORM', 72, 60, 14, true);
  const text = ['HEALTH INSURANCE CLAIM FORM'];
  const order = ['HEALTH INSURANCE CLAIM FORM'];
  let top = 100;
  for (const row of rows) {
    const height = 18 + 14 * Math.max(...row.map((b) => b.value.length));
    let x = 72;
    for (const b of row) {
      box(ink, x, top, b.width, height);
      write(ink, b.label, x + 4, top + 4, 7);
      for (const [i, line] of b.value.entries()) write(ink, line, x + 6, top + 16 + 14 * i, 10);
      text.push(b.label, ...b.value);
      order.push(b.label, b.value[0]);
      x += b.width;
    }
    top += height;
  }
  return { name: 'boxed-claim', pdf: await doc.save(), text: text.join('\n'), order };
}

/**
 * An intake form: a heading across the page, then two sections side by side whose lines do not
 * line up (an address takes three lines on the left), each read as a column.
 */
export async function twoColumnIntakeForm(): Promise<FormPage> {
  const { doc, ink } = await newPage();
  write(ink, 'NEW PATIENT INTAKE', 72, 60, 14, true);
  write(ink, 'Lakeside Orthopedic Group  88 Elm Avenue  Madison WI 53703', 72, 80, 9);
  const left = [
    'PATIENT',
    'Name: Robert Chen',
    'Date of Birth: 11/03/1972',
    'Address: 2250 Lake Road',
    'Apartment 4B',
    'Evanston, IL 60201',
    'Phone: 847-555-0193',
  ];
  const right = ['EMERGENCY CONTACT', 'Contact: Linda Chen', 'Relation: Spouse', 'Mobile: 847-555-0110'];
  // Different line pitches on each side, as two sections laid out independently would be.
  for (const [i, line] of left.entries()) write(ink, line, 72, 112 + i * 17, i === 0 ? 11 : 10, i === 0);
  for (const [i, line] of right.entries()) write(ink, line, 340, 112 + i * 23, i === 0 ? 11 : 10, i === 0);
  const text = [
    'NEW PATIENT INTAKE',
    'Lakeside Orthopedic Group 88 Elm Avenue Madison WI 53703',
    ...left,
    ...right,
  ];
  const order = [
    'NEW PATIENT INTAKE',
    'Name: Robert Chen',
    'Address: 2250 Lake Road',
    'Apartment 4B',
    'Evanston, IL 60201',
    'Phone: 847-555-0193',
    'EMERGENCY CONTACT',
    'Contact: Linda Chen',
    'Mobile: 847-555-0110',
  ];
  return { name: 'two-column-intake', pdf: await doc.save(), text: text.join('\n'), order };
}

/** Labels in one column, values in another far to the right: read row by row, label then value. */
export async function labelColumnForm(): Promise<FormPage> {
  const { doc, ink } = await newPage();
  write(ink, 'VERIFICATION OF EMPLOYMENT', 72, 60, 14, true);
  const pairs = [
    ['Employee Name', 'Dana Whitfield'],
    ['Employer', 'Meridian Medical Supply Co.'],
    ['Position Title', 'Warehouse Supervisor'],
    ['Date of Hire', '06/14/2017'],
    ['Base Pay Rate', '$28.40 per hour'],
    ['Hours per Week', '40'],
  ];
  pairs.forEach(([label, value], i) => {
    write(ink, label, 72, 100 + i * 20, 10, true);
    write(ink, value, 300, 100 + i * 20, 10);
  });
  const text = ['VERIFICATION OF EMPLOYMENT', ...pairs.map(([l, v]) => `${l} ${v}`)];
  const order = ['VERIFICATION OF EMPLOYMENT', ...pairs.flat()];
  return { name: 'label-column', pdf: await doc.save(), text: text.join('\n'), order };
}

/** A ruled table (rules under the header and every row) under a short paragraph: row by row. */
export async function ruledTableForm(): Promise<FormPage> {
  const { doc, ink } = await newPage();
  write(ink, 'VENDOR INVOICE 55-0192', 72, 60, 14, true);
  write(ink, 'Bill To: Northgate Clinical Laboratory, Evanston IL', 72, 82, 10);
  const columns = [72, 130, 360, 450];
  const rows = [
    ['QTY', 'DESCRIPTION', 'UNIT', 'AMOUNT'],
    ['4', 'Knee brace, hinged', '89.50', '358.00'],
    ['10', 'Elastic bandage', '3.25', '32.50'],
    ['2', 'Cold therapy pack', '45.95', '91.90'],
  ];
  const top = 110;
  rule(ink, 68, 540, top);
  rows.forEach((row, r) => {
    for (const [c, cell] of row.entries()) write(ink, cell, columns[c], top + 6 + r * 22, 10, r === 0);
    rule(ink, 68, 540, top + 22 * (r + 1));
  });
  for (const x of [68, 126, 356, 446, 540]) {
    ink.page.drawLine({
      start: { x, y: PAGE.height - top },
      end: { x, y: PAGE.height - top - 22 * rows.length },
      thickness: 1,
      color: rgb(0, 0, 0),
    });
  }
  write(ink, 'Total Due: $482.40', 380, top + 22 * rows.length + 14, 10, true);
  const text = [
    'VENDOR INVOICE 55-0192',
    'Bill To: Northgate Clinical Laboratory, Evanston IL',
    ...rows.map((r) => r.join(' ')),
    'Total Due: $482.40',
  ];
  const order = ['VENDOR INVOICE', 'Bill To', ...rows.flat(), 'Total Due: $482.40'];
  return { name: 'ruled-table', pdf: await doc.save(), text: text.join('\n'), order };
}

/** Cell texts of `gridTable`: a header row and five rows of four cells. */
export const GRID_ROWS = [
  ['CODE', 'SERVICE', 'UNITS', 'CHARGE'],
  ['99214', 'Office visit', '1', '120.00'],
  ['73721', 'MRI knee', '2', '845.50'],
  ['20610', 'Joint injection', '1', '96.25'],
  ['97110', 'Therapy', '4', '212.00'],
  ['A4570', 'Splint', '3', '18.75'],
] as const;

/**
 * A fully ruled 4×6 grid whose cells are filled to their rules: each text sits a point or two from
 * the rule on its right, where a whole-page reading runs one cell's text into the next one's.
 */
export async function gridTable(): Promise<FormPage> {
  const { doc, ink } = await newPage();
  write(ink, 'CLAIM LINES', 72, 60, 12, true);
  const widths = [46, 86, 34, 48];
  const [left, top, height, size] = [72, 90, 20, 10];
  const edges = [left];
  for (const w of widths) edges.push(edges[edges.length - 1] + w);
  GRID_ROWS.forEach((row, r) => {
    row.forEach((cell, c) => {
      // Right-aligned against the cell's right rule, a point and a half away.
      const x = edges[c + 1] - 1.5 - ink.regular.widthOfTextAtSize(cell, size);
      write(ink, cell, x, top + r * height + 5, size);
    });
  });
  for (let r = 0; r <= GRID_ROWS.length; r++) rule(ink, left, edges[edges.length - 1], top + r * height);
  for (const x of edges) {
    ink.page.drawLine({
      start: { x, y: PAGE.height - top },
      end: { x, y: PAGE.height - top - height * GRID_ROWS.length },
      thickness: 1,
      color: rgb(0, 0, 0),
    });
  }
  const text = ['CLAIM LINES', ...GRID_ROWS.map((r) => r.join(' '))];
  return { name: 'grid-table', pdf: await doc.save(), text: text.join('\n'), order: GRID_ROWS.flat() };
}

/**
 * Two boxes side by side sharing one rule, each a label over a value, the left value running up
 * to the shared rule and the right label starting just after it.
 */
export async function adjacentBoxes(): Promise<FormPage> {
  const { doc, ink } = await newPage();
  const [left, top, width, height, size] = [72, 80, 150, 34, 10];
  box(ink, left, top, width, height);
  box(ink, left + width, top, width, height);
  const value = 'ACCT 55104';
  write(ink, 'ACCOUNT NO', left + 3, top + 3, 7);
  write(ink, value, left + width - 1.5 - ink.regular.widthOfTextAtSize(value, size), top + 17, size);
  write(ink, 'PLAN 7782', left + width + 1.5, top + 3, 7);
  write(ink, 'HEARTLAND', left + width + 1.5, top + 17, size);
  const text = 'ACCOUNT NO\nACCT 55104\n\nPLAN 7782\nHEARTLAND';
  return {
    name: 'adjacent-boxes',
    pdf: await doc.save(),
    text,
    order: ['ACCOUNT NO', 'ACCT 55104', 'PLAN 7782'],
  };
}

export const FORM_PAGES = [boxedClaimForm, twoColumnIntakeForm, labelColumnForm, ruledTableForm] as const;

/**
 * The phrases of `order` that are not where reading order puts them: each must be found in `text`
 * after the previous one (whitespace collapsed). Empty when the page reads in order.
 */
export function outOfOrder(text: string, order: readonly string[]): string[] {
  const flat = text.replace(/\s+/g, ' ');
  const missing: string[] = [];
  let cursor = 0;
  for (const phrase of order) {
    const at = flat.indexOf(phrase.replace(/\s+/g, ' '), cursor);
    if (at < 0) missing.push(phrase);
    else cursor = at + phrase.length;
  }
  return missing;
}
