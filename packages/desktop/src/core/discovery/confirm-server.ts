import { apiRoutes, ServerInfo } from '@pnc/shared';

/**
 * Asks `baseUrl` who it is: only a Plug'nConnect server answering the contract's `/api/v1/info`
 * counts. Any other answer, redirect, error or timeout is null — candidates are only hints.
 */
export async function confirmServer(baseUrl: string, signal: AbortSignal): Promise<ServerInfo | null> {
  try {
    const res = await fetch(new URL(apiRoutes.info.path, baseUrl), {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return null;
    }
    const parsed = ServerInfo.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
