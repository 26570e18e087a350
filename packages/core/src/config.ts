import { z } from 'zod';
import { capabilityName } from './capabilities.js';
import { StoreError } from './errors.js';

/** The backends strongbox can use. */
export const backendNames = ['etcd', 'consul', 'zookeeper', 'memory'] as const;
export type BackendName = (typeof backendNames)[number];

const file = z.string().min(1);
const port = z.number().int().min(1).max(65535);

/** TLS client settings: file paths of PEM files. */
export const tlsConfig = z
  .object({
    caFile: file.optional().describe('PEM file of the CA that signed the servers’ certificates'),
    certFile: file.optional().describe('PEM file of the client certificate (with keyFile)'),
    keyFile: file.optional().describe('PEM file of the client private key (with certFile)'),
  })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    message: 'certFile and keyFile go together: give both or neither',
    path: ['certFile'],
  });

/** etcd settings. */
export const etcdConfig = z
  .object({
    username: z.string().min(1).optional().describe('etcd user for password authentication (with password)'),
    password: z.string().optional().describe('password of the etcd user'),
    tls: tlsConfig.optional().describe('TLS to the etcd client port; endpoints then use https'),
  })
  .strict()
  .refine((e) => (e.username === undefined) === (e.password === undefined), {
    message: 'username and password go together: give both or neither',
    path: ['username'],
  });

/** How many requests of one kind a store sends at a time: 1 to 64 (a group's most ops), 4 by default. */
const requestsInFlight = (what: string) => z.number().int().min(1).max(64).default(4).describe(what);

/** Consul settings. */
export const consulConfig = z
  .object({
    token: z.string().min(1).optional().describe('ACL token sent with every request'),
    datacenter: z.string().min(1).optional().describe('datacenter to address; default: the agent’s own'),
    tls: tlsConfig.optional().describe('TLS to the Consul HTTP API; endpoints then use https'),
    readsInFlight: requestsInFlight(
      'consistent get requests one store sends at a time; gets beyond them wait for one to return and then go together, up to 64 keys, in one read transaction',
    ),
    writesInFlight: requestsInFlight(
      'single-key write requests (put, putIfAbsent, putIfVersion, compareAndSwap, delete, deleteIfVersion) one store sends at a time; writes beyond them wait for one to return and then go together, on distinct keys, in one transaction, each with its own outcome',
    ),
  })
  .strict();

/** ZooKeeper settings. */
export const zookeeperConfig = z
  .object({
    root: z
      .string()
      .regex(/^(\/[^/\0]+)+$/, 'root must be an absolute znode path like /strongbox')
      .default('/strongbox')
      .describe('znode under which every key is stored'),
    sessionTimeoutMs: z
      .number()
      .int()
      .min(2000)
      .max(120_000)
      .default(10_000)
      .describe('ZooKeeper session timeout'),
    auth: z
      .object({ username: z.string().min(1), password: z.string() })
      .strict()
      .optional()
      .describe('digest credentials; the root znode is then created with an ACL for this user only'),
  })
  .strict();

/**
 * Embedded etcd: the store starts etcd next to the service as child processes and connects to it,
 * with the settings snet-daemon's embedded server takes (id/name, host, client and peer port,
 * initial cluster, cluster token, data dir, startup timeout, log level). `@strongbox/cluster`
 * starts it from these same options.
 */
export const embeddedConfig = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default('strongbox-0')
      .describe(
        "this member's name (snet-daemon's `id`); with nodes > 1 the members are `<name>-1`, `<name>-2`, …",
      ),
    host: z.string().min(1).default('127.0.0.1').describe('address the member listens on and advertises'),
    clientPort: port
      .optional()
      .describe('client port; default: a free one. With nodes > 1 member i uses clientPort + 2(i-1)'),
    peerPort: port
      .optional()
      .describe('peer port; default: a free one. With nodes > 1 member i uses peerPort + 2(i-1)'),
    initialCluster: z
      .string()
      .regex(
        /^[A-Za-z0-9_.-]+=https?:\/\/[^,]+(,[A-Za-z0-9_.-]+=https?:\/\/[^,]+)*$/,
        'initialCluster must be name=http://host:port,…',
      )
      .optional()
      .describe(
        'etcd --initial-cluster `name1=http://host:peerPort,…` of every member, for one member of a cluster whose ' +
          'other members run elsewhere (one per replica); default: this member alone (or the `nodes` local members)',
      ),
    clusterToken: z
      .string()
      .min(1)
      .default('strongbox')
      .describe('etcd --initial-cluster-token: keeps separate clusters from joining by mistake'),
    dataDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'data directory (`<dataDir>/<member>/data`, `<dataDir>/<member>/server.log`); reused (rejoining with its ' +
          'data, never bootstrapped over) when it exists; default: a temporary one, removed on stop',
      ),
    startupTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('how long to wait for a leader and a quorum write before failing with the member logs'),
    logLevel: z
      .enum(['debug', 'info', 'warn', 'error', 'panic', 'fatal'])
      .default('error')
      .describe('etcd log level'),
    nodes: z
      .union([z.literal(1), z.literal(3), z.literal(5)])
      .default(1)
      .describe('how many local members to start (for development and tests)'),
  })
  .strict()
  .describe('Run etcd as child processes of this replica.');

/** The store configuration: one schema for every backend. */
export const storeConfig = z
  .object({
    backend: z.enum(backendNames).default('etcd').describe('which backend to use'),
    endpoints: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('host:port (or URL) of each server; default: the backend’s usual local address'),
    namespace: z
      .string()
      .default('')
      .describe('prefix added to every key, to share one backend between services'),
    connectTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(5_000)
      .describe('how long to wait for a connection'),
    requestTimeoutMs: z.number().int().positive().default(5_000).describe('default deadline of a call'),
    require: z
      .array(capabilityName)
      .default([])
      .describe('capabilities the backend must provide, else createStore refuses it'),
    etcd: etcdConfig.optional(),
    consul: consulConfig.optional(),
    zookeeper: zookeeperConfig.optional(),
    embedded: embeddedConfig.optional().describe('start etcd embedded (backend etcd only)'),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const section of ['etcd', 'consul', 'zookeeper'] as const) {
      if (c[section] !== undefined && c.backend !== section) {
        ctx.addIssue({
          code: 'custom',
          path: [section],
          message: `only applies with backend '${section}', not '${c.backend}'`,
        });
      }
    }
    if (c.embedded !== undefined) {
      if (c.backend !== 'etcd') {
        ctx.addIssue({ code: 'custom', path: ['embedded'], message: 'embedded mode runs etcd only' });
      }
      if (c.endpoints !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints'],
          message: 'give endpoints or embedded, not both',
        });
      }
    }
  });

/** The configuration as written by a user; every field is optional. */
export type StoreConfig = z.input<typeof storeConfig>;
/** The configuration with its defaults applied, as adapters receive it. */
export type ResolvedStoreConfig = z.output<typeof storeConfig>;

/** Parses a config, or throws INVALID_CONFIG listing every bad field with its path. */
export function parseStoreConfig(input: unknown): ResolvedStoreConfig {
  const parsed = storeConfig.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  const lines = details.map((d) => `  ${d.path}: ${d.message}`).join('\n');
  throw new StoreError('INVALID_CONFIG', `invalid store config:\n${lines}`, { details, cause: parsed.error });
}
