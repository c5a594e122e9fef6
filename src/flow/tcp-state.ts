/**
 * TCP endpoint state machine and Zeek's `conn_state()` decision table.
 *
 * The endpoint states and transitions follow Zeek's TCP analyzer (TCP_ENDPOINT_INACTIVE …
 * TCP_ENDPOINT_RESET), re-implemented from its documented behaviour:
 *   INACTIVE  --SYN-->  SYN_SENT            (orig), --SYN+ACK--> SYN_ACK_SENT (orig, odd)
 *   INACTIVE  --SYN+ACK from responder--> ESTABLISHED, and the originator's SYN_SENT → ESTABLISHED
 *   INACTIVE  --no SYN/FIN/RST--> PARTIAL (mid-stream), except a responder's bare ACK of a pending SYN
 *   any       --FIN--> CLOSED, --RST--> RESET (with Zeek's "FIN then RST is still a normal close" rule)
 * `connState()` is a PURE function of the two endpoint states, the history and the byte counts,
 * exactly the first-match table of Zeek's base/protocols/conn/main.zeek `conn_state()`.
 */
import type { ConnFlag } from './record.ts';

export const enum TcpState {
  Inactive = 0,
  SynSent = 1,
  SynAckSent = 2,
  Partial = 3,
  Established = 4,
  Closed = 5,
  Reset = 6,
}

/** Flag bits as in the TCP header flags byte. */
const FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10;

/** Mutable per-connection TCP state: both endpoints (orig = originator, resp = responder). */
export interface TcpEndpoints {
  origState: TcpState;
  respState: TcpState;
  origPrev: TcpState;
  respPrev: TcpState;
}

function setOrig(c: TcpEndpoints, s: TcpState): void {
  c.origPrev = c.origState;
  c.origState = s;
}
function setResp(c: TcpEndpoints, s: TcpState): void {
  c.respPrev = c.respState;
  c.respState = s;
}
function setSide(c: TcpEndpoints, isOrig: boolean, s: TcpState): void {
  if (isOrig) setOrig(c, s);
  else setResp(c, s);
}

/**
 * Advance the endpoint states for one packet sent by the originator (`isOrig`) or responder.
 * `len` = payload length. Returns nothing; the caller reads the new states.
 */
export function tcpTransition(c: TcpEndpoints, isOrig: boolean, flags: number, len: number): void {
  const st = isOrig ? c.origState : c.respState;
  const peer = isOrig ? c.respState : c.origState;
  switch (st) {
    case TcpState.Inactive: {
      if (flags & SYN) {
        if (isOrig) {
          setSide(c, true, flags & ACK ? TcpState.SynAckSent : TcpState.SynSent);
        } else {
          // A SYN (or SYN+ACK) from the responder: the originator's pending SYN is answered.
          if (peer === TcpState.SynSent) setOrig(c, TcpState.Established);
          setResp(c, TcpState.Established);
        }
      }
      if (flags & FIN) setSide(c, isOrig, TcpState.Closed);
      if (flags & RST) setSide(c, isOrig, TcpState.Reset);
      if ((isOrig ? c.origState : c.respState) === TcpState.Inactive) {
        // No SYN/FIN/RST changed the state.
        if (!isOrig && len === 0 && c.origState === TcpState.SynSent) {
          // A bare ACK of the initial SYN before the SYN-ACK: not a partial connection.
        } else if (flags & ACK && peer === TcpState.Established) {
          // SYN-ACK seen but not the SYN, now the ACK: establish.
          setSide(c, isOrig, TcpState.Established);
        } else {
          setSide(c, isOrig, TcpState.Partial);
        }
      }
      return;
    }
    case TcpState.SynSent:
    case TcpState.SynAckSent: {
      if (flags & FIN) setSide(c, isOrig, TcpState.Closed);
      if (flags & RST) setSide(c, isOrig, TcpState.Reset);
      return;
    }
    case TcpState.Established:
    case TcpState.Partial: {
      if (flags & SYN && st === TcpState.Partial && peer === TcpState.Inactive && !(flags & ACK)) {
        setSide(c, isOrig, TcpState.SynSent);
      }
      if (flags & FIN && !(flags & RST)) {
        setSide(c, isOrig, TcpState.Closed);
        // The peer sent FIN then RST: that was a normal termination after all.
        if (peer === TcpState.Reset && (isOrig ? c.respPrev : c.origPrev) === TcpState.Closed) {
          setSide(c, !isOrig, TcpState.Closed);
        }
      }
      if (flags & RST) setSide(c, isOrig, TcpState.Reset);
      return;
    }
    case TcpState.Closed: {
      // After our FIN, a RST only matters if the peer has not closed too.
      if (flags & RST && peer !== TcpState.Closed) setSide(c, isOrig, TcpState.Reset);
      return;
    }
    case TcpState.Reset:
      return;
  }
}

/** Zeek: an endpoint is "inactive" for conn_state when INACTIVE or PARTIAL. */
function inactive(s: TcpState): boolean {
  return s === TcpState.Inactive || s === TcpState.Partial;
}

/** Zeek's RSTOS0 history test: `^?S[^HAFGIQ]*R.*` (optional leading '^'). */
export function historyRstos0(history: string): boolean {
  let i = 0;
  if (history.charCodeAt(0) === 0x5e /* ^ */) i = 1;
  if (history.charCodeAt(i) !== 0x53 /* S */) return false;
  for (i++; i < history.length; i++) {
    const ch = history[i];
    if (ch === 'R') return true;
    if (ch === 'H' || ch === 'A' || ch === 'F' || ch === 'G' || ch === 'I' || ch === 'Q') return false;
  }
  return false;
}

/**
 * Zeek's conn_state() for TCP (first match wins).
 * `origBytes`/`respBytes` = data bytes per direction (Zeek's orig$size / resp$size).
 */
export function connState(os: TcpState, rs: TcpState, history: string, origBytes: number, respBytes: number): ConnFlag {
  const oInactive = inactive(os);
  const rInactive = inactive(rs);
  if (rs === TcpState.Reset) {
    if (os === TcpState.SynSent || os === TcpState.SynAckSent ||
        (os === TcpState.Reset && origBytes === 0 && respBytes === 0)) return 'REJ';
    if (oInactive) return 'RSTRH';
    return 'RSTR';
  }
  if (os === TcpState.Reset) {
    if (rInactive) return historyRstos0(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === TcpState.Closed && os === TcpState.Closed) return 'SF';
  if (os === TcpState.Closed) return rInactive ? 'SH' : 'S2';
  if (rs === TcpState.Closed) return oInactive ? 'SHR' : 'S3';
  if (os === TcpState.SynSent && rs === TcpState.Inactive) return 'S0';
  if (os === TcpState.Established && rs === TcpState.Established) return 'S1';
  return 'OTH';
}

/** Zeek's UDP conn_state: endpoint "active" = sent at least one packet. */
export function udpConnState(origActive: boolean, respActive: boolean): ConnFlag {
  if (origActive) return respActive ? 'SF' : 'S0';
  return respActive ? 'SHR' : 'OTH';
}
