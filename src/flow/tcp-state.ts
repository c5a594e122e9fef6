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
 *
 * Also here, as the flow meter applies them to a flow's TCP segments: Zeek's history letters
 * (tcpHistory, retransmitted, zeroWindow) and the sequence accounting that counts each data byte
 * once (seqBytes).
 */
import type { ConnFlag } from './record.ts';
import { type Flow, N } from './table.ts';

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

/** History "seen" bits (originator; responder = << 8), as Zeek's HIST_* masks. */
export const H_SYN = 1, H_FIN = 2, H_RST = 4, H_ACK = 8, H_DATA = 16, H_MULTI = 32, H_FINRST = 64;

/** Retransmitted payload: Zeek's 'T'/'t', logarithmic (1st, 10th, 100th …). */
export function retransmitted(f: Flow, fromOrig: boolean): void {
  if (fromOrig) {
    if (++f.origRexmit === f.origRexmitNext) { f.history += 'T'; f.origRexmitNext *= 10; }
  } else if (++f.respRexmit === f.respRexmitNext) { f.history += 't'; f.respRexmitNext *= 10; }
}

/** A zero window (not with SYN/RST): Zeek's 'W'/'w' unless the peer closed or we reset. */
export function zeroWindow(f: Flow, fromOrig: boolean): void {
  const own = fromOrig ? f.origState : f.respState;
  const peer = fromOrig ? f.respState : f.origState;
  if (peer !== TcpState.Closed && own !== TcpState.Reset) {
    if (fromOrig) {
      if (++f.origZeroWin === f.origZeroWinNext) { f.history += 'W'; f.origZeroWinNext *= 10; }
    } else if (++f.respZeroWin === f.respZeroWinNext) { f.history += 'w'; f.respZeroWinNext *= 10; }
  }
}

/**
 * New (never seen) bytes of the segment [start, start+len) in one direction: beyond the highest
 * sequence seen, or inside the one remembered hole (a reordered segment filling a gap).
 * Sequence arithmetic is modulo 2^32.
 */
export function seqBytes(num: Float64Array, f: Flow, orig: boolean, start32: number, len: number): number {
  const start = start32 >>> 0;
  const hi = orig ? num[f.base + N.O_HI] : num[f.base + N.R_HI];
  const end = (start + len) >>> 0;
  const d = (start - hi) | 0;
  if (d >= 0) {
    if (len === 0) return 0;
    if (d > 0) {
      // A gap before this segment: remember it.
      if (orig) { num[f.base + N.O_HS] = hi; num[f.base + N.O_HE] = start; } else { num[f.base + N.R_HS] = hi; num[f.base + N.R_HE] = start; }
    }
    if (orig) num[f.base + N.O_HI] = end; else num[f.base + N.R_HI] = end;
    return len;
  }
  if (len === 0) return 0;
  const e = (end - hi) | 0;
  let fresh = e > 0 ? e : 0;
  if (e > 0) { if (orig) num[f.base + N.O_HI] = end; else num[f.base + N.R_HI] = end; }
  // Fill the remembered hole [hs, he).
  const hs = orig ? num[f.base + N.O_HS] : num[f.base + N.R_HS];
  const he = orig ? num[f.base + N.O_HE] : num[f.base + N.R_HE];
  const hl = (he - hs) | 0;
  if (hl > 0) {
    const rs = (start - hs) | 0;
    const re = (end - hs) | 0;
    const a = rs > 0 ? rs : 0;
    const b = re < hl ? re : hl;
    if (b > a) {
      fresh += b - a;
      let ns = hs, ne = he;
      if (a === 0 && b === hl) { ns = ne = 0; }
      else if (a === 0) ns = (hs + b) >>> 0;
      else if (b === hl) ne = (hs + a) >>> 0;
      else if (hl - b > a) ns = (hs + b) >>> 0; // keep the larger remaining part
      else ne = (hs + a) >>> 0;
      if (orig) { num[f.base + N.O_HS] = ns; num[f.base + N.O_HE] = ne; } else { num[f.base + N.R_HS] = ns; num[f.base + N.R_HE] = ne; }
    }
  }
  return fresh;
}

/** Zeek's TCP history letters for a segment of the meter's general path (the fast path adds D/A itself). */
export function tcpHistory(num: Float64Array, f: Flow, fromOrig: boolean, flags: number, seq32: number, len: number): void {
  const seq = seq32 >>> 0;
  const sh = fromOrig ? 0 : 8;
  const syn = flags & SYN, fin = flags & FIN, rst = flags & RST;
  const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits > 1) {
    if (fin && rst) once(f, H_FINRST << sh, fromOrig ? 'I' : 'i');
    else once(f, H_MULTI << sh, fromOrig ? 'Q' : 'q');
    return;
  }
  if (bits === 1) {
    if (syn) {
      const code = flags & ACK ? (fromOrig ? 'H' : 'h') : fromOrig ? 'S' : 's';
      const last = fromOrig ? num[f.base + N.O_LSYN] : num[f.base + N.R_LSYN];
      if (!once(f, H_SYN << sh, code) && seq !== last) f.history += code;
      if (fromOrig) num[f.base + N.O_LSYN] = seq; else num[f.base + N.R_LSYN] = seq;
    } else if (fin) {
      const at = (seq + len) >>> 0;
      const last = fromOrig ? num[f.base + N.O_LFIN] : num[f.base + N.R_LFIN];
      if (!once(f, H_FIN << sh, fromOrig ? 'F' : 'f') && at !== last) f.history += fromOrig ? 'F' : 'f';
      if (fromOrig) num[f.base + N.O_LFIN] = at; else num[f.base + N.R_LFIN] = at;
    } else {
      const last = fromOrig ? num[f.base + N.O_LRST] : num[f.base + N.R_LRST];
      if (!once(f, H_RST << sh, fromOrig ? 'R' : 'r') && seq !== last) f.history += fromOrig ? 'R' : 'r';
      if (fromOrig) num[f.base + N.O_LRST] = seq; else num[f.base + N.R_LRST] = seq;
    }
    return;
  }
  if (len > 0) once(f, H_DATA << sh, fromOrig ? 'D' : 'd');
  else if (flags & ACK) once(f, H_ACK << sh, fromOrig ? 'A' : 'a');
}

/** Add the letter the first time; returns true when this was the first time. */
function once(f: Flow, bit: number, code: string): boolean {
  if ((f.histSeen & bit) !== 0) return false;
  f.histSeen |= bit;
  f.history += code;
  return true;
}
