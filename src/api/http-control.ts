// What the API on the unix socket can ask of the TCP listener: whether it runs and where, to
// start it (`POST /v1/daemon/http`, what `corral dashboard` calls), and a one-time login link.
import { CorralError } from '../errors.js';
import { type Static, Type } from '../schema/build.js';

export const HttpStartBody = Type.Object(
  {
    /** HOST:PORT (`127.0.0.1:0`: a free port) */
    address: Type.String(),
    /** a bind outside loopback, asked for explicitly (`--http-public`) */
    public: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type HttpStartBody = Static<typeof HttpStartBody>;

export const EmptyBody = Type.Object({}, { additionalProperties: false });

/** Where the API on TCP listens: null fields when it is off. */
export const HttpInfo = Type.Object({
  /** the URL a browser on this machine opens (`http://127.0.0.1:9100`) */
  url: Type.Union([Type.String(), Type.Null()]),
  /** the bound address, HOST:PORT, with the port the kernel chose for `:0` */
  address: Type.Union([Type.String(), Type.Null()]),
  public: Type.Boolean(),
});
export type HttpInfo = Static<typeof HttpInfo>;

export const LoginLink = Type.Object({ url: Type.String() });
export type LoginLink = Static<typeof LoginLink>;

/** The TCP listener as the routes see it. */
export interface HttpControl {
  /** where it listens (null fields when off) */
  info(): HttpInfo;
  /**
   * starts it on `address` if it is off; when on, changes nothing; resolves to where it listens.
   * `where` names the address in an error (`--http`, `body.address`).
   */
  start(address: string, allowPublic: boolean, where?: string): Promise<HttpInfo>;
  /** a one-time login URL; throws NOT_RUNNING when the listener is off */
  loginLink(): LoginLink;
}

/** The refusal of a login link while the listener is off. */
export function listenerOff(): CorralError {
  return new CorralError(
    'NOT_RUNNING',
    'The API on TCP is off: start it with corral dashboard, or POST /v1/daemon/http {"address": "127.0.0.1:0"}',
  );
}
