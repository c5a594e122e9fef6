/**
 * The per-input salt of flow uids: a 32-bit digest of what the input holds, so two different
 * captures give disjoint uids and the same capture always the same ones. Reading whole files
 * would cost a second pass over gigabytes; the size plus the first and last 64 KiB of each file
 * tell real captures apart (two captures with equal sizes, heads and tails are the same capture
 * for any practical purpose). Stdin cannot be read twice: its first packet salts it instead.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

const EDGE = 64 * 1024;

function addFile(h: Hash, path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    h.update(`missing:${path}\n`); // unreadable: the reader reports it; the salt just stays defined
    return;
  }
  try {
    const size = fstatSync(fd).size;
    h.update(`file:${size}\n`);
    const head = Buffer.alloc(Math.min(EDGE, size));
    const n = readSync(fd, head, 0, head.length, 0);
    h.update(head.subarray(0, n));
    if (size > EDGE) {
      const tail = Buffer.alloc(Math.min(EDGE, size - EDGE));
      const m = readSync(fd, tail, 0, tail.length, size - tail.length);
      h.update(tail.subarray(0, m));
    }
  } finally {
    closeSync(fd);
  }
}

/** Salt of `inputs` (files, directories: their files by name, '-': marked, salted later by saltRecord). */
export function inputSalt(inputs: readonly string[]): number {
  const h = createHash('sha256');
  for (const p of inputs) {
    if (p === '-') {
      h.update('stdin\n');
      continue;
    }
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      // reported by the reader
    }
    if (dir) {
      const names = readdirSync(p, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
      for (const n of names) addFile(h, join(p, n));
    } else addFile(h, p);
  }
  return h.digest().readUInt32BE(0);
}

/** `salt` mixed with one packet (its time and captured bytes): how stdin input gets its salt. */
export function saltRecord(salt: number, tsSec: number, tsNsec: number, bytes: Uint8Array): number {
  const h = createHash('sha256');
  h.update(`${salt}:${tsSec}.${tsNsec}\n`);
  h.update(bytes);
  return h.digest().readUInt32BE(0);
}
