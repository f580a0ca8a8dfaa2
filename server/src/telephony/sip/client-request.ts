// Sends one request through a client transaction and answers 401/407 digest challenges by
// re-sending with credentials and a higher CSeq (RFC 3261 §22.2); timeouts become 408 and
// transport failures 503 responses (§8.1.3.1), so callers handle one kind of outcome.
import { authorizationHeader, type DigestCredentials, pickChallenge } from './digest.ts';
import { parseCSeq } from './headers.ts';
import { getHeader, getHeaders, type SipRequest, type SipResponse } from './message.ts';
import { reasonPhrase, SipStatus } from './status.ts';
import type { ClientTransaction, TransactionLayer } from './transaction.ts';
import type { Source } from './transport.ts';

export interface ClientRequestHandlers {
  onProvisional?(response: SipResponse): void;
  /** Called once with the first final response (real or synthesised 408/503). */
  onFinal(response: SipResponse): void;
  /** A 2xx retransmission to an INVITE, which the caller must ACK again. */
  on2xxRetransmission?(response: SipResponse): void;
  /** A (re)sent request and its transaction: the latest one is what a CANCEL must match. */
  onSent?(request: SipRequest, tx: ClientTransaction): void;
}

const maxAuthAttempts = 2;

export function sendClientRequest(
  layer: TransactionLayer,
  request: SipRequest,
  destination: Source,
  credentials: DigestCredentials | undefined,
  handlers: ClientRequestHandlers,
): void {
  let attempts = 0;
  let finalSeen = false;
  const start = (req: SipRequest) => {
    const tx = layer.sendRequest(req, destination, {
      onResponse(response) {
        if (response.status < 200) {
          if (!finalSeen) handlers.onProvisional?.(response);
          return;
        }
        if (finalSeen) {
          if (response.status < 300) handlers.on2xxRetransmission?.(response);
          return;
        }
        const retry =
          credentials && attempts < maxAuthAttempts ? authenticated(req, response, credentials) : null;
        if (retry) {
          attempts++;
          start(retry);
          return;
        }
        finalSeen = true;
        handlers.onFinal(response);
      },
      onTimeout() {
        finalSeen = true;
        handlers.onFinal(synthesize(req, SipStatus.RequestTimeout));
      },
      onTransportError() {
        finalSeen = true;
        handlers.onFinal(synthesize(req, SipStatus.ServiceUnavailable));
      },
    });
    handlers.onSent?.(req, tx);
  };
  start(request);
}

/** The same request with an Authorization answering the challenge, or null if it cannot be answered. */
function authenticated(
  request: SipRequest,
  response: SipResponse,
  credentials: DigestCredentials,
): SipRequest | null {
  const proxy = response.status === SipStatus.ProxyAuthenticationRequired;
  if (response.status !== SipStatus.Unauthorized && !proxy) return null;
  const challenge = pickChallenge(getHeaders(response, proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate'));
  if (!challenge || (credentials.realm && credentials.realm !== challenge.realm)) return null;
  const headerName = proxy ? 'Proxy-Authorization' : 'Authorization';
  const cseq = parseCSeq(getHeader(request, 'CSeq')!)!;
  const value = authorizationHeader({ challenge, credentials, method: request.method, uri: request.uri });
  return {
    ...request,
    headers: [
      ...request.headers
        .filter((h) => h.name !== headerName && h.name !== 'Via')
        .map((h) => (h.name === 'CSeq' ? { name: 'CSeq', value: `${cseq.seq + 1} ${cseq.method}` } : h)),
      { name: headerName, value },
    ],
  };
}

export function synthesize(request: SipRequest, status: number): SipResponse {
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason: reasonPhrase(status),
    headers: request.headers.filter((h) => ['Via', 'From', 'To', 'Call-ID', 'CSeq'].includes(h.name)),
    body: '',
  };
}
