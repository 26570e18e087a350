import { describeLinearizability } from './suite.js';

describeLinearizability({ backend: 'etcd' });
