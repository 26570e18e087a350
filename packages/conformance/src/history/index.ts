export { HistoryFormatError } from './errors.js';
export { type Operation, type Outcome, type Process, pairOperations } from './operations.js';
export { type ParsedHistory, parseHistory, parseHistoryWithLines, serializeHistory } from './parse.js';
export {
  type EventType,
  eventTypes,
  type HistoryEvent,
  historyEventSchema,
  type OpFunction,
  opFunctions,
  type Scalar,
  scalarSchema,
  type Value,
} from './schema.js';
export { type SimulateOptions, seededRandom, simulateHistory } from './simulate.js';
