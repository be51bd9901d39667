import { timingSafeEqual } from 'node:crypto';

/**
 * Who may talk to the agent. It listens on loopback, but any web page the technician opens can
 * send requests to loopback, and a hostile DNS name can be re-pointed at 127.0.0.1: so the Host
 * must name the agent, a browser's Origin must be the agent's own, and every call carries the
 * per-run token only the page opened from the printed URL knows.
 */
export interface RequestGuard {
  /** The Host header names this agent on the port the request came in on (defeats DNS rebinding). */
  hostAllowed(host: string | undefined, port: number | undefined): boolean;
  /** No Origin (non-browser clients), or exactly the origin the page was loaded from. */
  originAllowed(origin: string | undefined, host: string | undefined): boolean;
  tokenValid(candidate: string | undefined): boolean;
}

export function createRequestGuard(token: string): RequestGuard {
  const expected = Buffer.from(token);
  return {
    hostAllowed: (host, port) =>
      host !== undefined &&
      port !== undefined &&
      [`127.0.0.1:${port}`, `localhost:${port}`].includes(host.toLowerCase()),
    originAllowed: (origin, host) =>
      origin === undefined || (host !== undefined && origin.toLowerCase() === `http://${host.toLowerCase()}`),
    tokenValid(candidate) {
      if (candidate === undefined) return false;
      const given = Buffer.from(candidate);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer ([A-Za-z0-9_-]+)$/);
  return m?.[1];
}
