/** The two IPC channels the preload and the main process agree on; nothing else crosses. */
export const RPC_CHANNEL = 'pnc:rpc';
export const EVENT_CHANNEL = 'pnc:event';
