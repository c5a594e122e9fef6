/** Path and text patterns shared by the analyzers (see rules.ts for what each rule means). */
import { type Findings, R } from './rules.ts';

/** Access-control files (rule access_file). */
export const ACCESS_FILE =
  /\/etc\/(?:passwd|shadow|master\.passwd|group|gshadow|sudoers)\b|(?:^|[\s/~'"=:])\.(?:rhosts|shosts|netrc|htpasswd|htaccess)\b|hosts\.equiv\b|authorized_keys2?\b|hosts\.(?:allow|deny)\b/;

/** System directories (rule hot_system_dir), at the start of a path argument. */
export const SYSTEM_DIR =
  /(?:^|[\s'"=;:|&(<>]|\.\.)\/(?:etc|bin|sbin|usr\/bin|usr\/sbin|usr\/lib|dev|boot|root|var\/log|proc)(?:\/|$|[\s'";|&)])/;

/**
 * One operation (command line, FTP path, HTTP URI) on `text`: fires access_file, or else
 * hot_system_dir when a system directory is named. Returns true when something fired.
 */
export function checkPaths(text: string, f: Findings): boolean {
  if (ACCESS_FILE.test(text)) {
    f.fire(R.access_file);
    return true;
  }
  if (SYSTEM_DIR.test(text)) {
    f.fire(R.hot_system_dir);
    return true;
  }
  return false;
}

const SEPARATORS = /[/\\]+/;

/** True when the `..` segments of a '/'-separated path climb above its root. */
export function climbsAboveRoot(path: string): boolean {
  if (!path.includes('..')) return false; // only a `..` segment climbs
  let depth = 0;
  for (const seg of path.split(SEPARATORS)) {
    if (seg === '..') {
      if (--depth < 0) return true;
    } else if (seg !== '' && seg !== '.') depth++;
  }
  return false;
}

/** Case-insensitive set of user names from a list. */
export function userSet(users: readonly string[]): ReadonlySet<string> {
  return new Set(users.map((u) => u.toLowerCase()));
}

export interface LoginLists {
  hotUsers: ReadonlySet<string>;
  guestUsers: ReadonlySet<string>;
}

/** A login succeeded as `user`: fire guest_login / host_login once. */
export function loginAs(user: string, lists: LoginLists, f: Findings): void {
  const u = user.trim().toLowerCase();
  if (u === '') return;
  if (lists.guestUsers.has(u) && !f.has(R.guest_login)) f.fire(R.guest_login);
  if (lists.hotUsers.has(u) && !f.has(R.host_login)) f.fire(R.host_login);
}
