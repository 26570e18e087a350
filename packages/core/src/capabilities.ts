import { z } from 'zod';

/**
 * The limits every backend accepts, so a store behaves the same whichever backend is configured.
 * Chosen from the tightest backend: Consul's transaction body limit (512 KiB of JSON with base64
 * values) bounds transactions and values, and Consul allows 64 operations per transaction
 * (conditions count as operations there).
 */
export const contractLimits = {
  /** Keys are 1 to 1024 bytes of UTF-8. */
  maxKeyBytes: 1024,
  /** A value is at most 256 KiB. */
  maxValueBytes: 256 * 1024,
  /** A transaction has at most 64 conditions and operations together. */
  maxTransactionItems: 64,
  /** The keys and values of one transaction add up to at most 256 KiB. */
  maxTransactionBytes: 256 * 1024,
} as const;

/** Capabilities a caller can demand with the config's `require` list. */
export const capabilityNames = ['linearizable-reads', 'transactions', 'watch', 'leases'] as const;
/** A capability name: see {@link capabilityNames}. */
export const capabilityName = z.enum(capabilityNames);
export type CapabilityName = z.infer<typeof capabilityName>;

/** What a store provides. */
export interface StoreCapabilities {
  /** `linearizable`: every read sees every write that completed before it started. */
  readonly readConsistency: 'linearizable' | 'sequential';
  /** Multi-key all-or-nothing transactions. */
  readonly transactions: boolean;
  /** Change notifications (not part of the contract yet). */
  readonly watch: boolean;
  /** Keys that expire with a lease (not part of the contract yet). */
  readonly leases: boolean;
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  readonly maxTransactionItems: number;
  readonly maxTransactionBytes: number;
}

/** Whether `caps` provides the named capability. */
export function hasCapability(caps: StoreCapabilities, name: CapabilityName): boolean {
  switch (name) {
    case 'linearizable-reads':
      return caps.readConsistency === 'linearizable';
    case 'transactions':
      return caps.transactions;
    case 'watch':
      return caps.watch;
    case 'leases':
      return caps.leases;
  }
}

/** The names among `required` that `caps` lacks. */
export function missingCapabilities(
  caps: StoreCapabilities,
  required: readonly CapabilityName[],
): CapabilityName[] {
  return required.filter((name) => !hasCapability(caps, name));
}
