import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One info line per request, when it is answered: request id, method, address, status and time.
 * Fastify's default writes two (received, then completed), each a synchronous write to the log;
 * at thousands of eligibility answers a second the first carried nothing the second lacks. The
 * "received" line stays available at debug level, for chasing a request that never finishes.
 */
export class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
