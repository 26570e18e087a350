import { createHash } from 'node:crypto';

/**
 * The `user:base64(sha1(user:password))` string ZooKeeper's digest provider expects, e.g. for
 * `startCluster({ zookeeper: { superDigest: zookeeperDigest('super', 'secret') } })`.
 */
export function zookeeperDigest(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}
