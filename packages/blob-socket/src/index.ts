/** HTTP(S) GETs whose body arrives in one reused buffer: see blob-socket.ts for why and the contract. */
export { getOverSocket, SocketBody, type SocketGetOptions, type SocketHead, type SocketResponse } from './blob-socket.js';
