export interface DemoCredentials {
  admin: { username: string; password: string };
  technician: { username: string; password: string };
}
export function ensureDemoAccounts(serverUrl: string, dataDir: string, credentialsFile: string): Promise<DemoCredentials>;
