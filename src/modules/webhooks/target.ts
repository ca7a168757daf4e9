import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may be sent. Private, loopback, link-local, shared, multicast and reserved
 * addresses are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set: a subscription must not turn
 * the service into a way to reach its own network. Names are resolved and every address checked,
 * at subscription and again at each delivery, connecting only to the address that was checked
 * (so a name re-pointed after the check cannot redirect the request).
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export class TargetRefused extends Error {}

/** Resolves a host name to every address it has; refuses when one is not allowed. */
export async function resolveAllowed(
  host: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: number }[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare)
    ? [{ address: bare, family: isIP(bare) }]
    : await new Promise<{ address: string; family: number }[]>((resolve, reject) =>
        dnsLookup(bare, { all: true, verbatim: true }, (err, list) =>
          err
            ? reject(new TargetRefused(`the host name does not resolve (${err.code ?? 'error'})`))
            : resolve(list),
        ),
      );
  if (addresses.length === 0) throw new TargetRefused('the host name does not resolve');
  if (!allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) {
    throw new TargetRefused('the target resolves to a private, loopback or link-local address');
  }
  return addresses;
}

/** Checks a subscription URL: http(s), no credentials, a host that resolves to allowed addresses. */
export async function checkTargetUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TargetRefused('the URL must be http or https');
  if (url.username || url.password) throw new TargetRefused('the URL must not carry credentials');
  await resolveAllowed(url.hostname, allowPrivate);
  return url;
}

/** A `lookup` for http.request that connects only to an address that passed the check. */
export function checkedLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    _options: unknown,
    callback: (
      err: Error | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void,
  ) => {
    resolveAllowed(hostname, allowPrivate).then(
      (list) => {
        const opts = _options as { all?: boolean } | undefined;
        if (opts?.all) callback(null, list);
        else callback(null, list[0].address, list[0].family);
      },
      (err) => callback(err as Error, ''),
    );
  };
}
