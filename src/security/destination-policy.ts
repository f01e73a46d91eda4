/**
 * Where the server may open connections on a tenant's behalf (webhook URLs, ERP hosts).
 * Link-local and cloud-metadata destinations are refused always; loopback, private and CGNAT
 * ranges only when the operator allows them (ALLOW_PRIVATE_DESTINATIONS). Checked when the
 * destination is written (its literal host) and again on every connect, on the addresses the
 * name RESOLVES to — so a name that later re-points (DNS rebinding) is still refused.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export interface DestinationPolicy {
  allowPrivate: boolean;
}

/**
 * A refused destination. `message` is safe for tenants (no address, port or resolved name);
 * `detail` is for the operator log only.
 */
export class DestinationRefusedError extends Error {
  override readonly name = 'DestinationRefusedError';
  readonly code = 'DESTINATION_REFUSED';
  constructor(
    readonly detail: string,
    allowable: boolean,
  ) {
    super(
      allowable
        ? 'destination refused: private or loopback networks are not allowed on this server (ALLOW_PRIVATE_DESTINATIONS)'
        : 'destination refused: link-local and cloud metadata addresses are never allowed',
    );
  }
}

const ALWAYS_REFUSED = new BlockList();
ALWAYS_REFUSED.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, incl. 169.254.169.254 (AWS/GCP/Azure metadata)
ALWAYS_REFUSED.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network": 0.0.0.0 reaches the local host
ALWAYS_REFUSED.addSubnet('224.0.0.0', 3, 'ipv4'); // multicast, reserved, broadcast
ALWAYS_REFUSED.addSubnet('fe80::', 10, 'ipv6'); // link-local
ALWAYS_REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
ALWAYS_REFUSED.addAddress('::', 'ipv6');
ALWAYS_REFUSED.addSubnet('ff00::', 8, 'ipv6'); // multicast

const PRIVATE = new BlockList();
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6'); // unique local

/** Metadata service names (refused always), and loopback names (private). */
const METADATA_NAMES = new Set([
  'metadata.google.internal',
  'metadata',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
]);
const isLoopbackName = (h: string) => h === 'localhost' || h.endsWith('.localhost');

/** Literal IP, lower-case, brackets and trailing dot removed; IPv4-mapped IPv6 reduced to IPv4. */
function normalise(host: string): string {
  let h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) h = mapped[1]!;
  return h;
}

function checkAddress(address: string, policy: DestinationPolicy, what: string): void {
  const ip = normalise(address);
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (ALWAYS_REFUSED.check(ip, family)) throw new DestinationRefusedError(`${what} → ${ip} is link-local/metadata/reserved`, false);
  if (!policy.allowPrivate && PRIVATE.check(ip, family))
    throw new DestinationRefusedError(`${what} → ${ip} is loopback/private and ALLOW_PRIVATE_DESTINATIONS is false`, true);
}

/** Checks a host as written (name or literal IP) without resolving it: for write-time validation. */
export function checkDestinationHost(host: string, policy: DestinationPolicy): void {
  const h = normalise(host);
  if (METADATA_NAMES.has(h)) throw new DestinationRefusedError(`${h} is a cloud metadata name`, false);
  if (isIP(h)) return checkAddress(h, policy, h);
  if (isLoopbackName(h) && !policy.allowPrivate)
    throw new DestinationRefusedError(`${h} is a loopback name and ALLOW_PRIVATE_DESTINATIONS is false`, true);
}

/** Resolves `host` and checks EVERY address it resolves to; returns them (first one to connect to). */
export async function resolveDestination(host: string, policy: DestinationPolicy): Promise<LookupAddress[]> {
  checkDestinationHost(host, policy);
  const h = normalise(host);
  const family = isIP(h);
  const addresses = family
    ? [{ address: h, family }]
    : await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(h, { all: true }, (err, a) => (err ? reject(err) : resolve(a))));
  for (const a of addresses) checkAddress(a.address, policy, h);
  return addresses;
}

/**
 * A `lookup` for net/http/https connect options that refuses forbidden addresses: the check runs
 * on the very resolution the socket connects to, so there is no window for a rebinding.
 */
export function guardedLookup(policy: DestinationPolicy) {
  return (
    hostname: string,
    options: object,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolveDestination(hostname, policy).then(
      (addresses) =>
        (options as { all?: boolean }).all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family),
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
