export { startAgent, type Agent, type AgentOptions } from './agent-server.js';
