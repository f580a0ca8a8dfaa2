// Decides what happens to an incoming call before it is answered: which trunk it came through
// (by source address), which DID it is for, and which partner's number and shadow user own it.
// Refusals carry the SIP status the far end should see.

import type { DidRepository } from '../numbers/did-repository.ts';
import { parseUsNumber } from '../numbers/e164.ts';
import type { FaxNumberRecord, NumberRepository } from '../numbers/number-repository.ts';
import type { Trunk, TrunkRepository } from './trunks/trunk-repository.ts';

export interface InboundCallRequest {
  /** User part of the Request-URI (or To), e.g. `+12125550100` or `12125550100`. */
  calledUser: string;
  callingUser: string | null;
  sourceIp: string;
}

export type RouteDecision =
  | { kind: 'accept'; trunk: Trunk; number: FaxNumberRecord; to: string; from: string | null }
  | { kind: 'reject'; status: 403 | 404 | 484; reason: string; detail: string };

export class CallRouter {
  constructor(
    private readonly trunks: TrunkRepository,
    private readonly dids: DidRepository,
    private readonly numbers: NumberRepository,
  ) {}

  route(call: InboundCallRequest): RouteDecision {
    const trunk = this.trunks.matchSource(call.sourceIp);
    if (!trunk) {
      return {
        kind: 'reject',
        status: 403,
        reason: 'Forbidden',
        detail: `no trunk allows source ${call.sourceIp}`,
      };
    }
    const to = parseUsNumber(call.calledUser);
    if (!to) {
      return {
        kind: 'reject',
        status: 484,
        reason: 'Address Incomplete',
        detail: `"${call.calledUser}" is not a US number`,
      };
    }
    const did = this.dids.byE164(to);
    if (!did || (did.trunkId !== null && did.trunkId !== trunk.id)) {
      return {
        kind: 'reject',
        status: 404,
        reason: 'Not Found',
        detail: `${to} is not a DID of trunk ${trunk.name}`,
      };
    }
    const number = this.numbers.activeByE164(to);
    if (!number) {
      // Released (or never assigned) DIDs ring nobody.
      return { kind: 'reject', status: 404, reason: 'Not Found', detail: `${to} has no active number` };
    }
    return {
      kind: 'accept',
      trunk,
      number,
      to,
      from: call.callingUser ? (parseUsNumber(call.callingUser) ?? call.callingUser) : null,
    };
  }
}
