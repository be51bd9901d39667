import { z } from 'zod';
import { ServerInfo, SessionUser } from './api.js';
import { EligibilityResult } from './domain.js';

/** A server found on the LAN, or typed by the technician. */
export const DiscoveredServer = z.object({
  url: z.url(),
  name: z.string(),
  via: z.enum(['dns-sd', 'broadcast', 'dns-name', 'manual', 'saved']),
});
export type DiscoveredServer = z.infer<typeof DiscoveredServer>;

export const ConnectionState = z.object({
  serverUrl: z.string().nullable(),
  server: ServerInfo.nullable(),
  /** Whether the workstation verified the server's content against the carmaker's root. */
  contentVerified: z.boolean(),
  /** The signed-in user on that server, or null. */
  user: SessionUser.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type ConnectionState = z.infer<typeof ConnectionState>;

const NoInput = z.object({}).strict().default({});

/**
 * The desktop API, typed once: each method takes one input object and answers one value.
 * Implemented twice — Electron IPC (preload + main) and the local HTTP agent — and both sides
 * validate with these schemas.
 */
export const desktopApiContract = {
  getConnection: { input: NoInput, output: ConnectionState },
  connect: { input: z.object({ url: z.string().min(1).max(512) }), output: ConnectionState },
  signIn: { input: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }), output: ConnectionState },
  /** Required after a first access or a reset before anything else works. */
  changePassword: {
    input: z.object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }),
    output: ConnectionState,
  },
  signOut: { input: NoInput, output: ConnectionState },
  /** Eligibility re-evaluated on the workstation over the catalog it verified itself. */
  checkVehicle: { input: z.object({ vin: z.string().max(64) }), output: EligibilityResult },
} as const;
export type DesktopApiContract = typeof desktopApiContract;
export type DesktopMethod = keyof DesktopApiContract;
export type DesktopInput<M extends DesktopMethod> = z.input<DesktopApiContract[M]['input']>;
export type DesktopOutput<M extends DesktopMethod> = z.output<DesktopApiContract[M]['output']>;

export const DesktopEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('connection'), state: ConnectionState }),
]);
export type DesktopEvent = z.infer<typeof DesktopEvent>;

export type DesktopApi = {
  [M in DesktopMethod]: (input: DesktopInput<M>) => Promise<DesktopOutput<M>>;
} & {
  /** Subscribes to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: DesktopEvent) => void): () => void;
};

/** Error thrown across the desktop API: the stable code survives both transports. */
export const DesktopApiError = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
