import ipaddr from 'ipaddr.js';

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A CIDR range in its normal form ("10.1.2.3/8" → "10.0.0.0/8"; a bare address is its own /32 or
 * /128), or null when it is not one. IPv4-mapped IPv6 ranges are written as IPv4.
 */
export function normaliseCidr(text: string): string | null {
  const value = text.trim();
  try {
    const [addr, bits] = value.includes('/') ? ipaddr.parseCIDR(value) : ((a) => [a, a.kind() === 'ipv4' ? 32 : 128] as Cidr)(ipaddr.parse(value));
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      const v4 = (addr as ipaddr.IPv6).toIPv4Address();
      return `${networkOf(v4, bits - 96)}/${bits - 96}`;
    }
    return `${networkOf(addr, bits)}/${bits}`;
  } catch {
    return null;
  }
}

function networkOf(addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string {
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * Whether the client address falls in any of the ranges. An address that does not parse (or none at
 * all) matches nothing: an allow-list fails closed. IPv4 clients seen through an IPv6 socket
 * (::ffff:a.b.c.d) are compared as IPv4.
 */
export function ipInRanges(ip: string | null | undefined, cidrs: string[]): boolean {
  if (!ip || !ipaddr.isValid(ip)) return false;
  const addr = ipaddr.process(ip);
  return cidrs.some((c) => {
    try {
      const range = ipaddr.parseCIDR(c);
      return addr.kind() === range[0].kind() && addr.match(range);
    } catch {
      return false;
    }
  });
}
