/**
 * ShellSession.command on single commands, lists and pipelines: the rule hits follow the rule
 * definitions in src/features/content/rules.ts (one-word commands take a path without splitting).
 */
import { describe, expect, it } from 'vitest';
import { userSet } from '../../../src/features/content/patterns.ts';
import { Findings } from '../../../src/features/content/rules.ts';
import { ShellSession } from '../../../src/features/content/shell.ts';

function hits(line: string): string[] {
  const f = new Findings();
  const s = new ShellSession(f, { hotUsers: userSet(['root']), guestUsers: userSet(['guest']) });
  s.setUser('bob');
  s.loggedIn();
  s.command(line);
  return f.ruleHits();
}

describe('ShellSession.command', () => {
  it.each([
    ['bash', ['shell_started']],
    ['  su  ', ['su_attempt']],
    ['sudo', ['su_attempt']],
    ['./exploit', ['hot_program_execution']],
    ['perl', []],
    ['lllll', []],
    ['x=1', []],
    ['exec\tbash', ['shell_started']],
    ['gcc', ['hot_program_creation']],
    ['/bin/sh', ['shell_started', 'hot_system_dir']],
    ['cat /etc/passwd|grep root', ['access_file']],
    ['cd /tmp;sh', ['shell_started']],
    ['a&&bash||zsh', ['shell_started×2']],
    ['x=$(sh )', ['shell_started']],
    ['echo hi>f', ['file_creation']],
    ['ls>/dev/null', ['hot_system_dir']],
    ['touch a >> b', ['file_creation×2']],
  ] as const)('%j → %j', (line, want) => {
    expect(hits(line)).toEqual(want);
  });
});
