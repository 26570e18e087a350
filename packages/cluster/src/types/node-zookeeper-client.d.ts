// The few parts of node-zookeeper-client 1.1 that the readiness probe uses (the package ships no types).
declare module 'node-zookeeper-client' {
  export interface Client {
    connect(): void;
    close(): void;
    once(
      event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed',
      listener: () => void,
    ): this;
    create(
      path: string,
      data: Buffer,
      mode: number,
      callback: (error: Error | null, path?: string) => void,
    ): void;
  }
  export function createClient(
    connectionString: string,
    options?: { sessionTimeout?: number; spinDelay?: number; retries?: number },
  ): Client;
  export const CreateMode: { PERSISTENT: number; EPHEMERAL: number };
  const zookeeper: { createClient: typeof createClient; CreateMode: typeof CreateMode };
  export default zookeeper;
}
