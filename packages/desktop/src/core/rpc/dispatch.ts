import {
  desktopApiContract,
  ErrorCode,
  isPncError,
  PncError,
  validationError,
  type ApiErrorBody,
  type DesktopApi,
  type DesktopMethod,
} from '@pnc/shared';

/** Calls one desktop API method by name with untrusted input; both transports go through it. */
export type Dispatcher = (method: string, input: unknown) => Promise<unknown>;

/** What crosses a transport: never an exception, so the error code survives any serialisation. */
export type RpcReply = { ok: true; result: unknown } | { ok: false; error: ApiErrorBody };

export interface DispatcherOptions {
  /** Checks answers against the contract; on by default outside production, where a bad answer is a bug to surface. */
  validateOutput?: boolean;
  /** Sees errors that are not PncErrors (bugs) before they are reduced to `INTERNAL` for the caller. */
  onUnexpectedError?: (method: string, error: unknown) => void;
}

export function isDesktopMethod(name: string): name is DesktopMethod {
  // Own properties only: `toString` or `__proto__` must not reach the service.
  return Object.hasOwn(desktopApiContract, name);
}

export function createDispatcher(api: DesktopApi, options: DispatcherOptions = {}): Dispatcher {
  const validateOutput = options.validateOutput ?? process.env.NODE_ENV !== 'production';
  return async (method, input) => {
    if (!isDesktopMethod(method)) throw new PncError('NOT_FOUND', `Unknown desktop API method "${method}"`);
    const contract = desktopApiContract[method];
    const parsed = contract.input.safeParse(input);
    if (!parsed.success) throw validationError(parsed.error, `${method} input`);
    try {
      const call = api[method] as (input: unknown) => Promise<unknown>;
      const result = await call.call(api, parsed.data);
      if (validateOutput) {
        const checked = contract.output.safeParse(result);
        if (!checked.success)
          throw new Error(`${method} answered outside its contract: ${checked.error.message}`);
      }
      return result;
    } catch (e) {
      if (!isPncError(e)) options.onUnexpectedError?.(method, e);
      throw e;
    }
  };
}

/** The error as callers may see it: PncErrors keep code, message and details; anything else says nothing. */
export function toErrorBody(e: unknown): ApiErrorBody {
  if (e instanceof PncError) return e.toJSON();
  if (isPncError(e)) {
    const code = ErrorCode.safeParse(e.code);
    if (code.success) {
      const body: ApiErrorBody = { code: code.data, message: String(e.message) };
      if (e.details !== undefined) body.details = e.details;
      return body;
    }
  }
  return { code: 'INTERNAL', message: 'Unexpected error' };
}

/** Runs a call and folds the outcome into a reply envelope. */
export async function settle(dispatch: Dispatcher, method: string, input: unknown): Promise<RpcReply> {
  try {
    return { ok: true, result: await dispatch(method, input) };
  } catch (e) {
    return { ok: false, error: toErrorBody(e) };
  }
}
