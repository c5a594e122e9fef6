#!/usr/bin/env python3
"""Make the bundled demo capture samples/demo.pcap (+ samples/demo.labels.csv).

Derived deterministically from ../shared/bench/gen_bench_pcap.py (Python stdlib only): a
capture of normal traffic with every kind of injected attack, thinned so the attacks are a
small minority, as in real traffic (the generator has minimum attack sizes that make small
captures attack-heavy). Kept: all normal flows, every 3rd SSH brute-force session, the exfiltration
flow, every 20th port-scan probe, every 40th SYN-flood flow, the first 2 ICMP-flood bursts.

Also writes samples/baseline.pcap: attack-free traffic from the same generator and scale with another
seed (--baseline-seed), the normal traffic `flowsift analyze --baseline` learns from.

usage: python3 scripts/make-sample.py [--flows N] [--seed S] [--baseline-seed S] [--out samples/demo.pcap]
"""
import argparse, csv, os, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, '..', '..', 'shared', 'bench', 'gen_bench_pcap.py')
KEEP_EVERY = {'portscan': 20, 'synflood': 40, 'bruteforce': 3}
ICMP_BURSTS = 2


def ip4(b):
    return '%d.%d.%d.%d' % tuple(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--flows', type=int, default=500)
    ap.add_argument('--seed', type=int, default=11)
    ap.add_argument('--baseline-seed', type=int, default=5)
    ap.add_argument('--out', default=os.path.join(HERE, '..', 'samples', 'demo.pcap'))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='flowsift-sample-')
    base = os.path.join(os.path.dirname(os.path.abspath(a.out)), 'baseline.pcap')
    os.makedirs(os.path.dirname(base), exist_ok=True)
    base_labels = os.path.join(tmp, 'baseline.labels.csv')
    subprocess.run([sys.executable, GEN, base + '.tmp', str(a.flows), str(a.baseline_seed), '--no-attacks',
                    '--labels', base_labels], check=True)
    os.replace(base + '.tmp', base)
    src = os.path.join(tmp, 'full.pcap')
    subprocess.run([sys.executable, GEN, src, str(a.flows), str(a.seed)], check=True)
    with open(os.path.join(tmp, 'full.labels.csv'), newline='') as f:
        rows = list(csv.DictReader(f))

    # Decide which flows stay; index TCP/UDP flows by their 5-tuple (either direction).
    seen = {}
    keep_rows, drop_keys, attack_icmp_pairs = [], set(), set()
    for r in rows:
        lab = r['label']
        key = (r['proto'], r['src_ip'], int(r['src_port']), r['dst_ip'], int(r['dst_port']))
        if lab == 'icmpflood':
            attack_icmp_pairs.add((r['src_ip'], r['dst_ip']))
            continue  # decided per burst below
        n = seen[lab] = seen.get(lab, 0) + 1
        every = KEEP_EVERY.get(lab)
        if every and (n - 1) % every:
            drop_keys.add(key)
        else:
            keep_rows.append(r)
    icmp_rows = [r for r in rows if r['label'] == 'icmpflood'][:ICMP_BURSTS]
    keep_rows += icmp_rows
    keep_rows.sort(key=lambda r: float(r['start_ts']))

    with open(src, 'rb') as f:
        data = f.read()
    out = bytearray(data[:24])
    off, kept_ids, kept, total = 24, [], 0, 0
    while off + 16 <= len(data):
        incl = struct.unpack_from('<I', data, off + 8)[0]
        frame = data[off + 16: off + 16 + incl]
        rec = data[off: off + 16 + incl]
        off += 16 + incl
        total += 1
        keep = True
        if len(frame) >= 34 and frame[12:14] == b'\x08\x00':
            ihl = (frame[14] & 15) * 4
            proto = frame[23]
            s, d = ip4(frame[26:30]), ip4(frame[30:34])
            l4 = 14 + ihl
            if proto in (6, 17) and len(frame) >= l4 + 4:
                sp, dp = struct.unpack_from('!HH', frame, l4)
                name = 'tcp' if proto == 6 else 'udp'
                if (name, s, sp, d, dp) in drop_keys or (name, d, dp, s, sp) in drop_keys:
                    keep = False
            elif proto == 1 and len(frame) >= l4 + 8 and ((s, d) in attack_icmp_pairs or (d, s) in attack_icmp_pairs):
                ident = struct.unpack_from('!H', frame, l4 + 4)[0]
                if ident not in kept_ids and len(kept_ids) < ICMP_BURSTS:
                    kept_ids.append(ident)
                keep = ident in kept_ids
        if keep:
            out += rec
            kept += 1
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp_out = a.out + '.tmp'
    with open(tmp_out, 'wb') as f:
        f.write(out)
    os.replace(tmp_out, a.out)
    lab_out = (a.out[:-5] if a.out.endswith('.pcap') else a.out) + '.labels.csv'
    with open(lab_out + '.tmp', 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(keep_rows)
    os.replace(lab_out + '.tmp', lab_out)
    counts = {}
    for r in keep_rows:
        counts[r['label']] = counts.get(r['label'], 0) + 1
    print('wrote %s: %d of %d packets, %d bytes; %s: %s' % (a.out, kept, total, len(out), lab_out,
          ', '.join('%s %d' % kv for kv in sorted(counts.items()))), file=sys.stderr)


if __name__ == '__main__':
    main()
