import { type CallContext, DriverContext, StoreError } from '@strongbox/core';
import type { ConsulHttp, RawEntry, TxnOp, TxnOutcome } from './client.js';
import { bodyBound, MAX_TXN_BODY_BYTES } from './codec.js';
import type { RequestKind, TxnError } from './errors.js';

/** Ops in one Consul transaction at most (Consul's limit), so also the most keys in one group. */
export const MAX_GROUP_OPS = 64;

export function closedError(): StoreError {
  return new StoreError('CLOSED', 'the consul store was closed before this request was sent', {
    backend: 'consul',
  });
}

/**
 * The context of a group's request. It is given up (the request cancelled) only when every member
 * is. Its `deadline`, which the HTTP layer checks before it sends a request again to the next
 * endpoint (only after a failure that provably applied nothing), is the earliest member's, and past
 * once any member was given up: the ops of a call that has ended are never sent again.
 */
export class GroupContext implements CallContext {
  readonly #ctx: DriverContext;
  readonly #earliest: number;
  #live: number;
  #lost = false;

  constructor(members: readonly { readonly ctx: CallContext }[]) {
    let earliest = Number.POSITIVE_INFINITY;
    let latest = 0;
    let timeoutGiven = false;
    for (const m of members) {
      earliest = Math.min(earliest, m.ctx.deadline);
      latest = Math.max(latest, m.ctx.deadline);
      timeoutGiven ||= m.ctx.timeoutGiven;
    }
    this.#ctx = new DriverContext(latest, timeoutGiven);
    this.#earliest = earliest;
    this.#live = members.length;
  }

  get signal(): AbortSignal {
    return this.#ctx.signal;
  }

  get cancelled(): StoreError | undefined {
    return this.#ctx.cancelled;
  }

  get timeoutGiven(): boolean {
    return this.#ctx.timeoutGiven;
  }

  get deadline(): number {
    return this.#lost ? 0 : this.#earliest;
  }

  onCancel(listener: (reason: StoreError) => void): void {
    this.#ctx.onCancel(listener);
  }

  /** A member was given up; the last one gives up the request. */
  gone(reason: StoreError): void {
    this.#lost = true;
    if (--this.#live === 0) this.#ctx.cancel(reason);
  }
}

/** One call's single-key transaction: waiting for its turn, or sent alone or in a group. */
class Member {
  settled = false;
  group: GroupContext | undefined;

  constructor(
    readonly key: string,
    readonly ops: readonly TxnOp[],
    readonly ctx: CallContext,
    readonly resolve: (outcome: TxnOutcome) => void,
    readonly reject: (err: unknown) => void,
  ) {}

  /** The call was given up (deadline or abort) while this waited or was in a group. */
  readonly cancelled = (reason: StoreError): void => {
    if (this.settled) return;
    this.fail(reason);
    this.group?.gone(reason);
  };

  answer(outcome: TxnOutcome): void {
    this.settled = true;
    this.resolve(outcome);
  }

  fail(err: unknown): void {
    this.settled = true;
    this.reject(err);
  }
}

/**
 * Single-key transactions of one kind (reads or writes) of one store, at most `inFlight` requests
 * out at a time. A transaction beyond them waits until one returns; then those waiting by then go
 * out together as one Consul transaction (up to {@link MAX_GROUP_OPS} ops and Consul's request size),
 * and each gets the outcome of its own ops, as if it had been sent alone:
 *
 * - Applied: its ops' entries (the answer's entries of its key).
 * - Refused (409): Consul refuses a transaction whole but names every op that failed, so a member
 *   with a failed op is refused with those errors, and the others, of which nothing was applied
 *   either, are sent again, first in line.
 * - Failed (connection, timeout, no leader): every member fails with that error, which says whether
 *   a write may have been applied (INDETERMINATE), as it would alone.
 *
 * Linearizable: every member was called before the group was sent and returns after its answer, and
 * Consul applies (or, for reads in `consistent` mode, serves) the whole transaction at one moment in
 * between. With `distinctKeys` (writes) no two members of a group touch the same key, so no write
 * sees another member's effect and each written key gets a ModifyIndex of its own write.
 */
export class TxnGroups {
  #inFlight = 0;
  #waiting: Member[] = [];
  /** With `distinctKeys`: the keys of {@link #waiting}. */
  readonly #waitingKeys = new Set<string>();
  #closed = false;
  /** Gives back a request slot (see {@link take}) and sends what waits. */
  readonly release = (): void => {
    this.#inFlight--;
    this.#flush();
  };

  constructor(
    private readonly http: ConsulHttp,
    private readonly kind: RequestKind,
    private readonly inFlight: number,
    private readonly distinctKeys: boolean,
  ) {}

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Takes a request slot if one is free: the caller then sends alone and calls {@link release} after. */
  take(): boolean {
    if (this.#inFlight >= this.inFlight) return false;
    this.#inFlight++;
    return true;
  }

  /** Sends `ops`, whose every op is on `key`: at once if a slot is free, else with others when one is. */
  txn(key: string, ops: readonly TxnOp[], ctx: CallContext): Promise<TxnOutcome> {
    // A step of a call that began before close (a re-read after a lost comparison): nothing is sent.
    if (this.#closed) return Promise.reject(closedError());
    if (this.take()) {
      const sent = this.http.txn(ops, this.kind, ctx);
      sent.then(this.release, this.release);
      return sent;
    }
    // A write of a key that already waits could not go in its group, nor wait for it without
    // making every writer of a hot key wait in line: it goes out alone, as it would without groups.
    if (this.distinctKeys && this.#waitingKeys.has(key)) return this.http.txn(ops, this.kind, ctx);
    return new Promise((resolve, reject) => {
      const member = new Member(key, ops, ctx, resolve, reject);
      this.#wait(member);
      ctx.onCancel(member.cancelled);
    });
  }

  #wait(member: Member): void {
    this.#waiting.push(member);
    if (this.distinctKeys) this.#waitingKeys.add(member.key);
  }

  /** Fails what still waits (nothing was sent for it); requests out fail with the HTTP client. */
  close(): void {
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#waitingKeys.clear();
    for (const m of waiting) if (!m.settled) m.fail(closedError());
  }

  #flush(): void {
    // Most releases find nobody waiting: no group to build.
    while (this.#waiting.length > 0 && this.#inFlight < this.inFlight && !this.#closed) {
      const members = this.#take();
      if (members.length === 0) return;
      this.#inFlight++;
      let ctx: CallContext;
      if (members.length === 1) ctx = (members[0] as Member).ctx;
      else {
        const group = new GroupContext(members);
        for (const m of members) m.group = group;
        ctx = group;
      }
      this.#send(members, ctx).then(this.release, this.release);
    }
  }

  /**
   * The next group, in the order calls came: those still wanted that fit (ops, size, and with
   * `distinctKeys` a key no member has yet); the rest keep their place.
   */
  #take(): Member[] {
    const group: Member[] = [];
    const keys = new Set<string>();
    const left: Member[] = [];
    let ops = 0;
    let bytes = 2;
    for (const m of this.#waiting) {
      if (m.settled) continue;
      const size = bodyBound(m.ops);
      const fits =
        group.length === 0 ||
        (ops + m.ops.length <= MAX_GROUP_OPS &&
          bytes + size <= MAX_TXN_BODY_BYTES &&
          !(this.distinctKeys && keys.has(m.key)));
      if (!fits) {
        left.push(m);
        continue;
      }
      group.push(m);
      keys.add(m.key);
      ops += m.ops.length;
      bytes += size;
    }
    this.#waiting = left;
    if (this.distinctKeys) {
      this.#waitingKeys.clear();
      for (const m of left) this.#waitingKeys.add(m.key);
    }
    return group;
  }

  #send(members: readonly Member[], ctx: CallContext): Promise<void> {
    const ops = members.length === 1 ? (members[0] as Member).ops : members.flatMap((m) => m.ops);
    return this.http.txn(ops, this.kind, ctx).then(
      (out) => {
        if (out.ok) this.#applied(members, out.results);
        else this.#refused(members, out.errors);
      },
      (err: unknown) => {
        for (const m of members) if (!m.settled) m.fail(err);
      },
    );
  }

  #applied(members: readonly Member[], results: readonly RawEntry[]): void {
    if (members.length === 1) {
      (members[0] as Member).answer({ ok: true, results });
      return;
    }
    const byKey = new Map<string, RawEntry[]>();
    for (const r of results) {
      const list = byKey.get(r.Key);
      if (list === undefined) byKey.set(r.Key, [r]);
      else list.push(r);
    }
    for (const m of members) if (!m.settled) m.answer({ ok: true, results: byKey.get(m.key) ?? [] });
  }

  #refused(members: readonly Member[], errors: readonly TxnError[]): void {
    const mine = new Map<Member, TxnError[]>();
    let start = 0;
    for (const m of members) {
      const end = start + m.ops.length;
      for (const e of errors) {
        if (e.OpIndex < start || e.OpIndex >= end) continue;
        const list = mine.get(m) ?? [];
        list.push({ ...e, OpIndex: e.OpIndex - start });
        mine.set(m, list);
      }
      start = end;
    }
    if (mine.size === 0) {
      // A refusal that names none of the ops: sending the same again would only repeat it.
      for (const m of members) if (!m.settled) m.answer({ ok: false, errors });
      return;
    }
    const again: Member[] = [];
    for (const m of members) {
      if (m.settled) continue;
      const own = mine.get(m);
      if (own !== undefined) m.answer({ ok: false, errors: own });
      else again.push(m);
    }
    if (again.length === 0) return;
    if (this.#closed) {
      for (const m of again) m.fail(closedError());
      return;
    }
    // Nothing of theirs was applied: in line again, first, for a new request (their old one is
    // over, so giving them up no longer counts towards cancelling it).
    const behind = this.#waiting;
    this.#waiting = [];
    this.#waitingKeys.clear();
    for (const m of [...again, ...behind]) {
      m.group = undefined;
      if (!m.settled) this.#wait(m);
    }
  }
}
