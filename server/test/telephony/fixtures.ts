// Messages shared by the parser, fuzz and SDP suites: a deliberately awkward but valid INVITE and
// T.38 SDPs shaped like those Asterisk, FreeSWITCH, Cisco gateways and carriers send.

/** Compact forms, a folded header, multi-value Via/Contact, quoted commas, extra bytes after the body. */
export const validInvite = [
  'INVITE sip:+15550100@fax.example.com;user=phone SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
  'v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKproxy1 , SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKproxy2',
  'Max-Forwards: 70',
  'To: <sip:+15550100@fax.example.com>',
  'f: "Smith, John \\"JJ\\"" <sip:+15557654321@carrier.example;user=phone>;tag=1928301774',
  'i: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
  'm: <sip:alice@192.0.2.10:5060;transport=udp>;expires=60, "Second, Contact" <sip:b@192.0.2.11>',
  'Subject: a folded',
  '  header value',
  'Supported: timer, replaces',
  'c: application/sdp',
  'l: 4',
  '',
  'v=0\r\nignored-extra-bytes',
].join('\r\n');

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

export const asteriskT38 = crlf([
  'v=0',
  'o=- 1376399428 1376399429 IN IP4 192.0.2.20',
  's=Asterisk',
  'c=IN IP4 192.0.2.20',
  't=0 0',
  'm=image 4446 udptl t38',
  'a=T38FaxVersion:0',
  'a=T38MaxBitRate:14400',
  'a=T38FaxRateManagement:transferredTCF',
  'a=T38FaxMaxDatagram:400',
  'a=T38FaxUdpEC:t38UDPRedundancy',
]);

export const freeswitchT38 = crlf([
  'v=0',
  'o=FreeSWITCH 1376370000 1376370002 IN IP4 198.51.100.5',
  's=FreeSWITCH',
  'c=IN IP4 198.51.100.5',
  't=0 0',
  'm=image 20230 udptl t38',
  'a=T38FaxVersion:0',
  'a=T38MaxBitRate:9600',
  'a=T38FaxFillBitRemoval',
  'a=T38FaxRateManagement:transferredTCF',
  'a=T38FaxMaxBuffer:2000',
  'a=T38FaxMaxDatagram:400',
  'a=T38FaxUdpEC:t38UDPRedundancy',
]);

export const ciscoT38 = crlf([
  'v=0',
  'o=CiscoSystemsSIP-GW-UserAgent 5521 7681 IN IP4 203.0.113.9',
  's=SIP Call',
  'c=IN IP4 203.0.113.9',
  't=0 0',
  'm=image 17606 udptl t38',
  'c=IN IP4 203.0.113.9',
  'a=T38FaxVersion:0',
  'a=T38MaxBitRate:14400',
  'a=T38FaxFillBitRemoval:0',
  'a=T38FaxTranscodingMMR:0',
  'a=T38FaxTranscodingJBIG:0',
  'a=T38FaxRateManagement:transferredTCF',
  'a=T38FaxMaxBuffer:200',
  'a=T38FaxMaxDatagram:320',
  'a=T38FaxUdpEC:t38UDPRedundancy',
]);

/** Audio and image offered together, T.38 version 1 with FEC at V.34 rates. */
export const carrierDualOffer = crlf([
  'v=0',
  'o=carrier 100 2 IN IP4 198.51.100.77',
  's=-',
  'c=IN IP4 198.51.100.77',
  't=0 0',
  'm=audio 30000 RTP/AVP 8 0 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'm=image 30002 udptl t38',
  'a=T38FaxVersion:1',
  'a=T38MaxBitRate:33600',
  'a=T38FaxRateManagement:transferredTCF',
  'a=T38FaxMaxBuffer:1024',
  'a=T38FaxMaxDatagram:1400',
  'a=T38FaxUdpEC:t38UDPFEC',
]);

export const t38Sdps = [asteriskT38, freeswitchT38, ciscoT38, carrierDualOffer];
