export * from './organizations.js';
export * from './persons.js';
export * from './cases.js';
export * from './audit.js';
export * from './records.js';
