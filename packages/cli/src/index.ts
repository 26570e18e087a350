export { type Command, commands } from './commands.js';
