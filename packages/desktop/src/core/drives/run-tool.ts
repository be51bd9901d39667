import { execFile } from 'node:child_process';

export interface ToolResult {
  ok: boolean;
  /** The tool is not installed (or not on PATH): try the next way. */
  missing: boolean;
  output: string;
}

/** Runs a system tool without a shell; never throws, so a missing tool is just one more outcome. */
export function runTool(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      const output = `${stderr}${stdout}`.trim();
      if (!error) resolve({ ok: true, missing: false, output });
      else
        resolve({
          ok: false,
          missing: (error as NodeJS.ErrnoException).code === 'ENOENT',
          output: output || error.message,
        });
    });
  });
}
