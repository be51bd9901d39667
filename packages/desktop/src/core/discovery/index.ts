export { discoverServers, type DiscoverOptions, type DiscoveryWay } from './discover-servers.js';
