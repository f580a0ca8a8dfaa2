// Parses SIP messages from untrusted bytes (RFC 3261 §7, §18.3) within configured limits. It never
// throws on bad input: it returns a typed error carrying the SIP status the transport answers with.
import { parseCSeq, parseVia } from './headers.ts';
import {
  canonicalHeaderName,
  listHeaders,
  type SipHeader,
  type SipMessage,
  splitHeaderList,
} from './message.ts';
import { SipStatus } from './status.ts';
import { parseNameAddr } from './uri.ts';

export interface ParserLimits {
  /** Whole message, start line to last body byte. */
  maxMessageSize: number;
  maxBodySize: number;
  maxHeaders: number;
  /** One header after unfolding. */
  maxHeaderLength: number;
  /** One physical line. */
  maxLineLength: number;
}

export const defaultParserLimits: ParserLimits = {
  maxMessageSize: 65535,
  maxBodySize: 32768,
  maxHeaders: 128,
  maxHeaderLength: 8192,
  maxLineLength: 8192,
};

export enum ParseErrorCode {
  /** Not recognisable as SIP at all: dropped silently. */
  NotSip = 'not_sip',
  BadStartLine = 'bad_start_line',
  UnsupportedVersion = 'unsupported_version',
  BadHeader = 'bad_header',
  MissingHeader = 'missing_header',
  LineTooLong = 'line_too_long',
  HeaderTooLong = 'header_too_long',
  TooManyHeaders = 'too_many_headers',
  MessageTooLarge = 'message_too_large',
  BodyTooLarge = 'body_too_large',
  BadContentLength = 'bad_content_length',
  CSeqMismatch = 'cseq_mismatch',
}

/** The status a request with this error is answered with; null means drop without answering. */
export const parseErrorStatus: Record<ParseErrorCode, SipStatus | null> = {
  [ParseErrorCode.NotSip]: null,
  [ParseErrorCode.BadStartLine]: SipStatus.BadRequest,
  [ParseErrorCode.UnsupportedVersion]: SipStatus.VersionNotSupported,
  [ParseErrorCode.BadHeader]: SipStatus.BadRequest,
  [ParseErrorCode.MissingHeader]: SipStatus.BadRequest,
  [ParseErrorCode.LineTooLong]: SipStatus.BadRequest,
  [ParseErrorCode.HeaderTooLong]: SipStatus.BadRequest,
  [ParseErrorCode.TooManyHeaders]: SipStatus.BadRequest,
  [ParseErrorCode.MessageTooLarge]: SipStatus.MessageTooLarge,
  [ParseErrorCode.BodyTooLarge]: SipStatus.RequestEntityTooLarge,
  [ParseErrorCode.BadContentLength]: SipStatus.BadRequest,
  [ParseErrorCode.CSeqMismatch]: SipStatus.BadRequest,
};

export interface SipParseError {
  code: ParseErrorCode;
  /** Short human text, safe to put in a reason phrase. */
  detail: string;
  /** Whether the start line looked like a request or a response, when that could be told. */
  kind?: 'request' | 'response';
  method?: string;
  /** Headers that were read before the error, so a 400 can echo Via/From/To/Call-ID/CSeq. */
  headers: SipHeader[];
}

export type ParseResult = { ok: true; message: SipMessage } | { ok: false; error: SipParseError };

const requestLine = /^([A-Za-z!%*_+`'~.-]+) (\S+) (SIP\/\d+\.\d+)$/;
const responseLine = /^(SIP\/\d+\.\d+) (\d{3})(?: (.*))?$/;
const headerName = /^[A-Za-z0-9!%*_+`'~.-]+$/;
const mandatory = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];

function fail(
  code: ParseErrorCode,
  detail: string,
  headers: SipHeader[] = [],
  start?: { kind: 'request' | 'response'; method?: string },
): ParseResult {
  return { ok: false, error: { code, detail, headers, kind: start?.kind, method: start?.method } };
}

/** Index of the blank line ending the headers, and how long that separator is. */
export function findHeaderEnd(data: Buffer, from = 0): { index: number; length: number } | null {
  const crlf = data.indexOf('\r\n\r\n', from);
  const lf = data.indexOf('\n\n', from);
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return null;
}

/**
 * Parses one message. `stream` is true for TCP, where the framer has already cut the message by
 * Content-Length; on UDP a missing Content-Length means the body runs to the end of the datagram.
 */
export function parseMessage(
  data: Buffer,
  limits: ParserLimits = defaultParserLimits,
  stream = false,
): ParseResult {
  let offset = 0;
  // RFC 3261 §7.5: ignore empty lines before the start line (keepalives, sloppy senders).
  while (offset < data.length && (data[offset] === 0x0d || data[offset] === 0x0a)) offset++;
  if (offset >= data.length) return fail(ParseErrorCode.NotSip, 'empty');

  const end = findHeaderEnd(data, offset);
  const headerEnd = end ? end.index : data.length;
  const bodyStart = end ? end.index + end.length : data.length;
  const lines = data.subarray(offset, headerEnd).toString('utf8').split(/\r?\n/);

  const first = lines[0];
  let start: { kind: 'request' | 'response'; method?: string };
  let message: SipMessage;
  const rl = first.length <= limits.maxLineLength ? requestLine.exec(first) : null;
  const sl = first.length <= limits.maxLineLength ? responseLine.exec(first) : null;
  if (rl) {
    start = { kind: 'request', method: rl[1].toUpperCase() };
    message = { kind: 'request', method: start.method!, uri: rl[2], version: rl[3], headers: [], body: '' };
  } else if (sl) {
    start = { kind: 'response' };
    const status = Number(sl[2]);
    if (status < 100 || status > 699) return fail(ParseErrorCode.BadStartLine, 'bad status code', [], start);
    message = { kind: 'response', status, reason: sl[3] ?? '', version: sl[1], headers: [], body: '' };
  } else {
    // Something with a SIP version that we cannot read is a bad request; anything else is noise.
    const m = /^([A-Za-z]+) .*SIP\/2\.0$/.exec(first.slice(0, limits.maxLineLength + 16));
    if (m && first.length > limits.maxLineLength)
      return fail(ParseErrorCode.LineTooLong, 'request line too long', [], {
        kind: 'request',
        method: m[1].toUpperCase(),
      });
    if (m) return fail(ParseErrorCode.BadStartLine, 'malformed request line', [], { kind: 'request' });
    return fail(ParseErrorCode.NotSip, 'not a SIP start line');
  }
  if (message.version.toUpperCase() !== 'SIP/2.0')
    // Echo what headers can be read, so the 505 reaches the sender's transaction (RFC 3261 §8.2.5).
    return fail(
      ParseErrorCode.UnsupportedVersion,
      'unsupported SIP version',
      readLooseHeaders(lines, limits),
      start,
    );
  message.version = 'SIP/2.0';

  if (data.length - offset > limits.maxMessageSize)
    return fail(ParseErrorCode.MessageTooLarge, 'message too large', readLooseHeaders(lines, limits), start);

  // Unfold continuation lines (RFC 3261 §7.3.1) while enforcing the line and header limits.
  const raw: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.length > limits.maxLineLength)
      return fail(ParseErrorCode.LineTooLong, 'header line too long', readLooseHeaders(lines, limits), start);
    if ((line.startsWith(' ') || line.startsWith('\t')) && raw.length > 0) {
      raw[raw.length - 1] += ` ${line.trim()}`;
    } else raw.push(line);
    if (raw[raw.length - 1].length > limits.maxHeaderLength)
      return fail(ParseErrorCode.HeaderTooLong, 'header too long', readLooseHeaders(lines, limits), start);
  }
  if (raw.length > limits.maxHeaders)
    return fail(ParseErrorCode.TooManyHeaders, 'too many headers', readLooseHeaders(lines, limits), start);

  for (const line of raw) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    if (!name || !headerName.test(name))
      return fail(ParseErrorCode.BadHeader, 'malformed header line', readLooseHeaders(lines, limits), start);
    const canonical = canonicalHeaderName(name);
    const value = line.slice(colon + 1).trim();
    if (listHeaders.has(canonical) && !(canonical === 'Contact' && value === '*')) {
      for (const v of splitHeaderList(value)) message.headers.push({ name: canonical, value: v });
    } else message.headers.push({ name: canonical, value });
  }
  const headers = message.headers;

  for (const name of mandatory) {
    if (!headers.some((h) => h.name === name))
      return fail(ParseErrorCode.MissingHeader, `missing ${name}`, headers, start);
  }
  const topVia = headers.find((h) => h.name === 'Via')!;
  if (!parseVia(topVia.value)) return fail(ParseErrorCode.BadHeader, 'malformed Via', headers, start);
  const cseqValues = headers.filter((h) => h.name === 'CSeq');
  const cseq = parseCSeq(cseqValues[0].value);
  if (!cseq || cseqValues.length > 1) return fail(ParseErrorCode.BadHeader, 'malformed CSeq', headers, start);
  if (message.kind === 'request' && cseq.method.toUpperCase() !== message.method)
    return fail(ParseErrorCode.CSeqMismatch, 'CSeq method does not match', headers, start);
  for (const name of ['From', 'To', 'Call-ID']) {
    if (headers.filter((h) => h.name === name).length > 1)
      return fail(ParseErrorCode.BadHeader, `duplicate ${name}`, headers, start);
  }
  for (const name of ['From', 'To']) {
    if (!parseNameAddr(headers.find((h) => h.name === name)!.value))
      return fail(ParseErrorCode.BadHeader, `malformed ${name}`, headers, start);
  }
  if (!headers.find((h) => h.name === 'Call-ID')!.value)
    return fail(ParseErrorCode.BadHeader, 'empty Call-ID', headers, start);

  const available = data.length - bodyStart;
  const lengths = headers.filter((h) => h.name === 'Content-Length').map((h) => h.value);
  let bodyLength = available;
  if (lengths.length > 0) {
    if (lengths.some((v) => v !== lengths[0]) || !/^\d{1,9}$/.test(lengths[0]))
      return fail(ParseErrorCode.BadContentLength, 'bad Content-Length', headers, start);
    bodyLength = Number(lengths[0]);
    // RFC 3261 §18.3: a datagram shorter than its Content-Length is answered with 400.
    if (bodyLength > available)
      return fail(ParseErrorCode.BadContentLength, 'body shorter than Content-Length', headers, start);
  } else if (stream) {
    return fail(
      ParseErrorCode.BadContentLength,
      'Content-Length required on stream transports',
      headers,
      start,
    );
  }
  if (bodyLength > limits.maxBodySize)
    return fail(ParseErrorCode.BodyTooLarge, 'body too large', headers, start);
  // Extra bytes after Content-Length in a datagram are discarded (RFC 3261 §18.3).
  message.body = data.subarray(bodyStart, bodyStart + bodyLength).toString('utf8');
  return { ok: true, message };
}

/** Best effort header read for error responses when the strict pass stopped early. */
function readLooseHeaders(lines: string[], limits: ParserLimits): SipHeader[] {
  const wanted = new Set(mandatory);
  const headers: SipHeader[] = [];
  // Every line (a message past the header limit still names its Via and Call-ID somewhere), but a few headers.
  for (const line of lines.slice(1)) {
    if (headers.length >= 16) break;
    const colon = line.indexOf(':');
    if (colon <= 0 || line.length > limits.maxLineLength) continue;
    const name = canonicalHeaderName(line.slice(0, colon).trim());
    if (wanted.has(name)) headers.push({ name, value: line.slice(colon + 1).trim() });
  }
  return headers;
}

export type StreamFrame =
  | { kind: 'incomplete' }
  | { kind: 'frame'; skip: number; length: number }
  /** Framing is lost: the connection must be closed after answering with the error's status. */
  | { kind: 'error'; skip: number; error: SipParseError };

/** Cuts the next message out of a TCP byte stream by its Content-Length (RFC 3261 §18.3). */
export function frameStream(buf: Buffer, limits: ParserLimits = defaultParserLimits): StreamFrame {
  let skip = 0;
  while (skip < buf.length && (buf[skip] === 0x0d || buf[skip] === 0x0a)) skip++;
  const end = findHeaderEnd(buf, skip);
  if (!end) {
    if (buf.length - skip > limits.maxMessageSize)
      return { kind: 'error', skip, error: headerError(buf, skip, limits) };
    return { kind: 'incomplete' };
  }
  const head = buf.subarray(skip, end.index).toString('latin1');
  const cl = /(?:^|\n)[ \t]*(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head);
  const headerResult = () => parseMessage(buf.subarray(skip, end.index + end.length), limits, false);
  const errorWith = (code: ParseErrorCode, detail: string): StreamFrame => {
    const parsed = headerResult();
    const headers = parsed.ok ? parsed.message.headers : parsed.error.headers;
    const kind = parsed.ok ? parsed.message.kind : parsed.error.kind;
    const method = parsed.ok
      ? parsed.message.kind === 'request'
        ? parsed.message.method
        : undefined
      : parsed.error.method;
    return { kind: 'error', skip, error: { code, detail, headers, kind, method } };
  };
  if (!cl) return errorWith(ParseErrorCode.BadContentLength, 'Content-Length required on stream transports');
  const value = cl[1].trim();
  if (!/^\d{1,9}$/.test(value)) return errorWith(ParseErrorCode.BadContentLength, 'bad Content-Length');
  const length = end.index + end.length - skip + Number(value);
  if (Number(value) > limits.maxBodySize) return errorWith(ParseErrorCode.BodyTooLarge, 'body too large');
  if (length > limits.maxMessageSize) return errorWith(ParseErrorCode.MessageTooLarge, 'message too large');
  if (buf.length - skip < length) return { kind: 'incomplete' };
  return { kind: 'frame', skip, length };
}

function headerError(buf: Buffer, skip: number, limits: ParserLimits): SipParseError {
  const text = buf.subarray(skip, skip + limits.maxMessageSize).toString('latin1');
  const lines = text.split(/\r?\n/);
  const m = /^([A-Za-z]+) \S+ SIP\/2\.0$/.exec(lines[0] ?? '');
  return {
    code: ParseErrorCode.MessageTooLarge,
    detail: 'header section too large',
    headers: readLooseHeaders(lines.slice(0, -1), limits),
    kind: m ? 'request' : undefined,
    method: m?.[1].toUpperCase(),
  };
}
