// A port free at this moment on a loopback address, for the servers our scripts, tests and benches
// start as separate processes (which cannot take port 0 and report back). Another process may take
// it before ours binds: callers that can retry on EADDRINUSE should.

import dgram from 'node:dgram';
import net from 'node:net';

/** `tcp+udp`: free for both at once (SIP listens on one port over both). */
export type PortProtocol = 'tcp' | 'udp' | 'tcp+udp';

export async function freePort(protocol: PortProtocol = 'tcp', host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = protocol === 'udp' ? await freeUdp(host, 0) : await freeTcp(host);
    if (protocol !== 'tcp+udp') return port;
    // The kernel picked a free TCP port; take it only if UDP has it free too.
    if ((await freeUdp(host, port).catch(() => 0)) === port || attempt >= 20) return port;
  }
}

function freeTcp(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function freeUdp(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(port, host, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}
