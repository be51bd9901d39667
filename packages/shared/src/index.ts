export * from './errors.js';
export * from './domain.js';
export * from './vin.js';
export * from './version.js';
export * from './fat32-names.js';
export * from './eligibility.js';
export * from './api.js';
export * from './desktop-api.js';
