import { describeLinearizability } from './suite.js';

describeLinearizability({ backend: 'consul' });
