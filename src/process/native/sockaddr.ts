// struct sockaddr for IPv4, IPv6 and unix sockets (paths and abstract names), built from and
// read back into plain values. Pure byte layout: no libc call.

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** sun_path of struct sockaddr_un, with its terminating NUL */
const UNIX_PATH_MAX = 108;

/** struct sockaddr_in for an IPv4 literal ("127.0.0.1") and a port. */
export function sockaddrIn4(host: string, port: number): Buffer {
  const parts = host.split('.').map(Number);
  const addr = Buffer.alloc(16);
  addr.writeUInt16LE(AF_INET, 0); // sa_family is in host order (little-endian here)
  addr.writeUInt16BE(port, 2);
  for (let i = 0; i < 4; i++) addr[4 + i] = parts[i];
  return addr;
}

/** The 16 bytes of an IPv6 literal ("::1", "fe80::1", "::ffff:127.0.0.1"); the caller validates it first. */
function ipv6Bytes(host: string): Buffer {
  let text = host;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[2].split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
  }
  const words = (s: string): number[] => (s === '' ? [] : s.split(':').map((w) => Number.parseInt(w, 16)));
  const gap = text.indexOf('::');
  const front = words(gap < 0 ? text : text.slice(0, gap));
  const back = gap < 0 ? [] : words(text.slice(gap + 2));
  const zeros = gap < 0 ? 0 : 8 - tail.length - front.length - back.length;
  const out = Buffer.alloc(16);
  [...front, ...new Array<number>(zeros).fill(0), ...back, ...tail].forEach((w, i) => {
    out.writeUInt16BE(w, i * 2);
  });
  return out;
}

/** struct sockaddr_in6 for an IPv6 literal (without brackets) and a port. */
export function sockaddrIn6(host: string, port: number): Buffer {
  const addr = Buffer.alloc(28);
  addr.writeUInt16LE(AF_INET6, 0);
  addr.writeUInt16BE(port, 2);
  ipv6Bytes(host).copy(addr, 8); // after sin6_flowinfo; sin6_scope_id stays 0
  return addr;
}

/**
 * struct sockaddr_un for a path, or for an abstract name written "@name" (systemd's notation:
 * the kernel sees a leading NUL and no terminating one, so the length is exact).
 */
export function sockaddrUn(path: string): Buffer {
  const abstract = path.startsWith('@');
  const name = Buffer.from(abstract ? path.slice(1) : path);
  const room = UNIX_PATH_MAX - 1; // a leading NUL (abstract), or a trailing one (path)
  if (name.length > room || name.length === 0) {
    throw new RangeError(
      `Expected a unix socket ${abstract ? 'name' : 'path'} of 1 to ${room} bytes, got ${name.length}: ${path}`,
    );
  }
  const addr = Buffer.alloc(2 + (abstract ? 1 : 0) + name.length + (abstract ? 0 : 1));
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, abstract ? 3 : 2);
  return addr;
}

export type SocketAddress =
  | { family: 'IPv4' | 'IPv6'; address: string; port: number }
  | { family: 'unix'; path: string };

/** Reads a sockaddr as the kernel returned it (`len` bytes used). */
export function decodeSockaddr(addr: Buffer, len: number): SocketAddress {
  const family = addr.readUInt16LE(0);
  if (family === AF_INET) {
    return { family: 'IPv4', address: [...addr.subarray(4, 8)].join('.'), port: addr.readUInt16BE(2) };
  }
  if (family === AF_INET6) {
    const words: string[] = [];
    for (let i = 0; i < 8; i++) words.push(addr.readUInt16BE(8 + i * 2).toString(16));
    // the URL parser writes IPv6 in its shortest form
    const address = new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
    return { family: 'IPv6', address, port: addr.readUInt16BE(2) };
  }
  if (family === AF_UNIX) {
    const raw = addr.subarray(2, len);
    if (raw.length > 0 && raw[0] === 0) return { family: 'unix', path: `@${raw.subarray(1).toString()}` };
    const end = raw.indexOf(0);
    return { family: 'unix', path: raw.subarray(0, end < 0 ? raw.length : end).toString() };
  }
  throw new RangeError(`Expected an AF_INET, AF_INET6 or AF_UNIX address, got family ${family}`);
}
