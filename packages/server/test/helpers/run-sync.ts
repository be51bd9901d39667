// Runs `pnc-server sync` from the sources in a child process (tests spawn it with tsx).
import { syncCommand } from '../../src/cli/sync-command.js';

process.exitCode = await syncCommand(process.argv.slice(2));
