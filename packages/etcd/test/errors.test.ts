import { BrokenCircuitError } from 'cockatiel';
import {
  EtcdAuthenticationFailedError,
  EtcdError,
  EtcdPermissionDeniedError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCInternalError,
  GRPCInvalidArgumentError,
  GRPCResourceExhastedError,
  GRPCUnavailableError,
} from 'etcd3';
import { describe, expect, it } from 'vitest';
import { toStoreError } from '../src/errors.js';

// The errors are built by hand from etcd3's classes with the exact texts grpc-js and etcd send:
// a real server cannot be made to return each of them on demand (the live cases are in etcd.test.ts).
const cases: Array<[string, Error, read: string, write: string]> = [
  [
    'no connection',
    new GRPCUnavailableError('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED'),
    'UNAVAILABLE',
    'UNAVAILABLE',
  ],
  [
    'refused stream',
    new GRPCUnavailableError('14 UNAVAILABLE: Stream refused by server'),
    'UNAVAILABLE',
    'UNAVAILABLE',
  ],
  [
    'no leader',
    new GRPCUnavailableError('14 UNAVAILABLE: etcdserver: no leader'),
    'UNAVAILABLE',
    'UNAVAILABLE',
  ],
  [
    'too many requests',
    new GRPCResourceExhastedError('8 RESOURCE_EXHAUSTED: etcdserver: too many requests'),
    'UNAVAILABLE',
    'UNAVAILABLE',
  ],
  [
    'auth changed meanwhile',
    new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: revision of auth store is old'),
    'UNAVAILABLE',
    'UNAVAILABLE',
  ],
  ['open circuit', new BrokenCircuitError(), 'UNAVAILABLE', 'UNAVAILABLE'],
  [
    'connection dropped',
    new GRPCUnavailableError('14 UNAVAILABLE: Connection dropped'),
    'UNAVAILABLE',
    'INDETERMINATE',
  ],
  ['reset', new GRPCUnavailableError('14 UNAVAILABLE: read ECONNRESET'), 'UNAVAILABLE', 'INDETERMINATE'],
  [
    'leader changed',
    new GRPCUnavailableError('14 UNAVAILABLE: etcdserver: leader changed'),
    'UNAVAILABLE',
    'INDETERMINATE',
  ],
  [
    'etcd timeout',
    new GRPCUnavailableError('14 UNAVAILABLE: etcdserver: request timed out'),
    'TIMEOUT',
    'INDETERMINATE',
  ],
  [
    'deadline in flight',
    new GRPCDeadlineExceededError(
      '4 DEADLINE_EXCEEDED: Deadline exceeded after 5.002s,LB pick: 0.001s,remote_addr=127.0.0.1:2379',
    ),
    'TIMEOUT',
    'INDETERMINATE',
  ],
  [
    'deadline at etcd',
    new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: context deadline exceeded'),
    'TIMEOUT',
    'INDETERMINATE',
  ],
  [
    'deadline before sending',
    new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED: Deadline exceeded after 0.101s,Waiting for LB pick'),
    'TIMEOUT',
    'TIMEOUT',
  ],
  ['cancelled', new GRPCCancelledError('1 CANCELLED: Call cancelled'), 'UNAVAILABLE', 'INDETERMINATE'],
  [
    'too large',
    new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: request is too large'),
    'VALUE_TOO_LARGE',
    'VALUE_TOO_LARGE',
  ],
  [
    'too many ops',
    new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: too many operations in txn request'),
    'INVALID_ARGUMENT',
    'INVALID_ARGUMENT',
  ],
  [
    'bad password',
    new EtcdAuthenticationFailedError('etcdserver: authentication failed, invalid user ID or password'),
    'PERMISSION_DENIED',
    'PERMISSION_DENIED',
  ],
  [
    'denied',
    new EtcdPermissionDeniedError('etcdserver: permission denied'),
    'PERMISSION_DENIED',
    'PERMISSION_DENIED',
  ],
  ['no user', new EtcdError('etcdserver: user name is empty'), 'PERMISSION_DENIED', 'PERMISSION_DENIED'],
  [
    'answer too big',
    new GRPCResourceExhastedError('8 RESOURCE_EXHAUSTED: Received message larger than max'),
    'INTERNAL',
    'INDETERMINATE',
  ],
  [
    'internal',
    new GRPCInternalError('13 INTERNAL: Received RST_STREAM with code 2'),
    'INTERNAL',
    'INDETERMINATE',
  ],
  ['anything else', new Error('boom'), 'INTERNAL', 'INDETERMINATE'],
];

describe('toStoreError', () => {
  it.each(cases)('%s → read %s… / write …', (_name, err, read, write) => {
    const r = toStoreError(err, 'read');
    const w = toStoreError(err, 'write');
    expect([r.code, w.code]).toEqual([read, write]);
    expect(r.cause).toBe(err);
    expect(r.backend).toBe('etcd');
  });
});
