import { z } from 'zod';

/** Server log verbosity, mapped to each server's own levels. */
export const logLevel = z
  .enum(['debug', 'info', 'warn', 'error'])
  .describe(
    "Server log level, mapped to each server's own names (etcd: zap levels, Consul: log_level, ZooKeeper: slf4j).",
  );

/** etcd-only settings of `startCluster`. */
export const etcdClusterOptions = z
  .object({
    auth: z
      .object({
        rootPassword: z
          .string()
          .min(1)
          .describe('Password of the `root` user created before auth is enabled.'),
      })
      .optional()
      .describe('Enable etcd authentication with a root user once the cluster is ready.'),
    tls: z
      .object({
        certFile: z.string().describe('PEM server certificate for the client URLs (must cover 127.0.0.1).'),
        keyFile: z.string().describe('PEM private key of certFile.'),
        caFile: z.string().describe('PEM CA that signed certFile; readiness probes trust it.'),
        clientCertAuth: z.boolean().default(false).describe('Require client certificates signed by caFile.'),
      })
      .optional()
      .describe('Serve the client URLs over TLS (peers stay on plain HTTP over loopback).'),
    maxRequestBytes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'etcd --max-request-bytes: the largest request etcd accepts; larger ones fail ' +
          "`request is too large`. Default: etcd's own (1.5 MiB).",
      ),
    heartbeatIntervalMs: z.number().int().positive().default(100).describe('etcd --heartbeat-interval.'),
    electionTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe('etcd --election-timeout: how soon a new leader follows a killed one.'),
  })
  .describe('etcd-only settings.');

/** Consul-only settings of `startCluster`. */
export const consulClusterOptions = z
  .object({
    aclMasterToken: z
      .string()
      .min(1)
      .optional()
      .describe('Enable ACLs (default_policy deny) with this master token; probes use it too.'),
    tls: z
      .object({
        certFile: z
          .string()
          .describe(
            'PEM server certificate for the HTTPS API (must cover 127.0.0.1). With clientCertAuth the ' +
              'readiness probes present it as their client certificate, so it must allow client use too ' +
              '(no extendedKeyUsage, or one that includes clientAuth).',
          ),
        keyFile: z.string().describe('PEM private key of certFile.'),
        caFile: z.string().describe('PEM CA that signed certFile; readiness probes trust it.'),
        clientCertAuth: z
          .boolean()
          .default(false)
          .describe('Require client certificates signed by caFile on the HTTPS API (verify_incoming_https).'),
      })
      .optional()
      .describe(
        'Serve the HTTP API over HTTPS only (ports.http -1); endpoints stay `host:port`, clients must use ' +
          'https. Server RPC and gossip stay plain over loopback (verify_incoming_rpc and verify_outgoing off).',
      ),
  })
  .describe('Consul-only settings.');

/** ZooKeeper-only settings of `startCluster`. */
export const zookeeperClusterOptions = z
  .object({
    superDigest: z
      .string()
      .regex(/^[^:]+:.+$/)
      .optional()
      .describe('`user:base64(sha1(user:password))` for the super user; see `zookeeperDigest()`.'),
    tickTimeMs: z
      .number()
      .int()
      .positive()
      .default(200)
      .describe('ZooKeeper tickTime; initLimit is 10 ticks and syncLimit 5, so elections finish fast.'),
  })
  .describe('ZooKeeper-only settings.');

/** Options of `startCluster`; the schema is the documentation. */
export const clusterOptions = z.object({
  backend: z.enum(['etcd', 'consul', 'zookeeper']).describe('Which server to run.'),
  nodes: z
    .number()
    .int()
    .min(1)
    .max(7)
    .default(1)
    .describe(
      'Number of server nodes (1, 3 or 5 are the tested sizes; an odd count keeps a clear majority).',
    ),
  dataDir: z
    .string()
    .optional()
    .describe(
      'Where node data and logs live (`<dataDir>/<node name>/`). A dir that holds a previous cluster is reused ' +
        'with its data and ports. Default: a fresh temp dir, removed by stop() unless keepDataDir.',
    ),
  keepDataDir: z
    .boolean()
    .default(false)
    .describe('Keep an automatically created data dir (and its logs) after stop().'),
  startupTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe(
      'How long to wait for a leader and a successful quorum write; the error then carries the node logs.',
    ),
  logLevel: logLevel.default('info'),
  etcd: etcdClusterOptions.default({ heartbeatIntervalMs: 100, electionTimeoutMs: 1000 }),
  consul: consulClusterOptions.default({}),
  zookeeper: zookeeperClusterOptions.default({ tickTimeMs: 200 }),
});

/** What callers pass to `startCluster` (defaults applied by the schema). */
export type ClusterOptions = z.input<typeof clusterOptions> & {
  /** Called with one line per startup step, e.g. for the CLI's progress display. */
  onProgress?: (message: string) => void;
};
/** `ClusterOptions` after parsing. */
export type ParsedClusterOptions = z.output<typeof clusterOptions>;
