export { type Fault, type ReportInput, renderHtmlReport } from './html.js';
