// The address this node gives peers in SDP, Contact and Via. Binding to 0.0.0.0 is how a node
// listens on every interface, but 0.0.0.0 in an SDP c= line sends the carrier's media nowhere (it
// meant "hold" in RFC 2543), so a wildcard bind advertises a real interface address instead.

import os from 'node:os';
import type { Config } from '../config/config.ts';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

export function advertisedSipAddress(
  config: Pick<Config, 'sipHost' | 'sipAdvertiseAddress'>,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string {
  if (config.sipAdvertiseAddress) return config.sipAdvertiseAddress;
  if (!WILDCARDS.has(config.sipHost)) return config.sipHost;
  const addresses = Object.values(interfaces).flatMap((list) => list ?? []);
  const external = addresses.find((a) => a.family === 'IPv4' && !a.internal);
  return external?.address ?? '127.0.0.1';
}
