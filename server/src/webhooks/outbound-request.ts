// One outbound HTTP(S) request under the URL policy: the address connected to is checked, redirects
// are never followed (a 3xx is just a status), the whole exchange has one deadline, and the response
// body is read only up to a cap. Webhooks use it; so should document fetches and any other callout.

import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { UrlPolicy } from './url-policy.ts';

export interface OutboundRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Deadline for connect + response + body read. */
  timeoutMs: number;
  /** Response bytes kept; the rest is not read. */
  maxResponseBytes: number;
  /** Keep-alive agents to reuse connections (sockets were checked when they connected). */
  agents?: { http?: http.Agent; https?: https.Agent };
  signal?: AbortSignal;
}

export type OutboundErrorCode =
  | 'url_refused'
  | 'address_refused'
  | 'dns_error'
  | 'timeout'
  | 'tls_error'
  | 'connection_error'
  | 'aborted';

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  truncated: boolean;
}

export type OutboundResult =
  | { ok: true; response: OutboundResponse; latencyMs: number }
  | { ok: false; error: { code: OutboundErrorCode; message: string }; latencyMs: number };

export async function requestOutbound(
  policy: UrlPolicy,
  rawUrl: string,
  options: OutboundRequest,
): Promise<OutboundResult> {
  const started = performance.now();
  const checked = policy.checkUrl(rawUrl);
  if (!checked.ok)
    return { ok: false, error: { code: 'url_refused', message: checked.message }, latencyMs: 0 };
  const first = await once(policy, checked.url, options, started);
  // A keep-alive socket the receiver closed just as we reused it: the request never reached them.
  if (first.retryOnFreshSocket) return (await once(policy, checked.url, options, started)).result;
  return first.result;
}

function once(
  policy: UrlPolicy,
  url: URL,
  options: OutboundRequest,
  started: number,
): Promise<{ result: OutboundResult; retryOnFreshSocket?: boolean }> {
  const secure = url.protocol === 'https:';
  const client = secure ? https : http;
  const remaining = Math.max(1, options.timeoutMs - (performance.now() - started));
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: OutboundResult, retryOnFreshSocket = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ result, retryOnFreshSocket });
    };
    const fail = (code: OutboundErrorCode, message: string) =>
      finish({ ok: false, error: { code, message }, latencyMs: Math.round(performance.now() - started) });

    const request = client.request(url, {
      method: options.method ?? 'POST',
      headers: options.headers,
      agent: (secure ? options.agents?.https : options.agents?.http) ?? undefined,
      lookup: policy.lookupFor(url.hostname),
    });
    const timer = setTimeout(() => {
      fail('timeout', `no complete response within ${options.timeoutMs} ms`);
      request.destroy();
    }, remaining);
    const onAbort = () => {
      fail('aborted', 'the appliance stopped during this attempt');
      request.destroy();
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (truncated: boolean) =>
        finish({
          ok: true,
          response: {
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
            truncated,
          },
          latencyMs: Math.round(performance.now() - started),
        });
      response.on('data', (chunk: Buffer) => {
        const room = options.maxResponseBytes - size;
        if (chunk.length >= room) {
          chunks.push(chunk.subarray(0, room));
          size += room;
          done(true);
          response.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => done(false));
      response.on('error', (err) => fail('connection_error', describe(err)));
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (request.reusedSocket && err.code === 'ECONNRESET') {
        return finish(
          { ok: false, error: { code: 'connection_error', message: describe(err) }, latencyMs: 0 },
          true,
        );
      }
      fail(classify(err), describe(err));
    });
    request.end(options.body);
  });
}

function classify(err: NodeJS.ErrnoException): OutboundErrorCode {
  const code = err.code ?? '';
  if (code === 'ERR_FAXSEAL_ADDRESS_REFUSED') return 'address_refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns_error';
  if (code === 'ETIMEDOUT') return 'timeout';
  // OpenSSL verification codes (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE…) and handshake errors.
  if (/^ERR_(TLS|SSL)|CERT|SIGNATURE|^EPROTO$/.test(code)) return 'tls_error';
  return 'connection_error';
}

function describe(err: NodeJS.ErrnoException): string {
  return err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
}
