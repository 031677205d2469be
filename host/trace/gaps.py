#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the time of each /proc/sleep acquisition goes, from a trace.

    host/trace/gaps.py TRACE...

Each TRACE is the ftrace text of a sleep-contend scenario
(guest/trace/scenarios.sh: make bench's contention test under one rule,
with the scheduler's events and the module's). From the first acquisition
(sleep_open ret=0) to the last release (sleep_release), the file is always
in one of these states, and the time of each is added up:

  held       a holder has it: from its open's return to its close
  handed on  the close handed it to a sleeper (sleep_handoff), which has it
             but must still be given a CPU (waiting), then return from
             open (leaving)
  free       the close freed it; taken next by the sleeper the close woke,
             or by a running task ahead of that sleeper (which then finds
             it taken: sleep_lost)

Printed per trace: the count, the total, the mean of each, and its share
of the whole; then the time per acquisition. Exits 1 on a trace that is not
such a recording (no acquisitions, a release by a task that does not hold
the file).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ftrace import TraceError, events  # noqa: E402

OPEN_OK = re.compile(r'^ret=0 ')
HANDOFF = re.compile(r'^pid=(\d+) ')


def gaps(path):
    """{kind: [seconds, ...]} and the number of acquisitions in `path`."""
    kinds = {k: [] for k in ('held', 'handed on: waiting for a CPU',
                             'handed on: leaving open()',
                             'free: taken by the woken sleeper',
                             'free: taken by a running task')}
    holder = None  # (pid, since)
    # The last close, until the next acquisition: when, by whom, the
    # sleeper it handed the file to, the sleeper it woke.
    released = None
    switched_in = {}  # pid: when it was last given a CPU
    acquisitions = 0
    for e in events(path):
        if e.name == 'sched_switch' and e.args is not None:
            switched_in[e.args.next_pid] = e.t
        elif e.name == 'sched_waking' and e.args is not None:
            if released and released['woken'] is None and \
                    e.pid == released['by']:
                released['woken'] = e.args.pid
        elif e.name == 'sleep_handoff':
            # Traced inside the close, after its sleep_release.
            m = HANDOFF.match(e.body)
            if released is None or released['by'] != e.pid or not m:
                raise TraceError(f'{path}: a hand-off by pid {e.pid} '
                                 f'outside its close (at {e.t:.6f})')
            released['handed'] = int(m.group(1))
        elif e.name == 'sleep_open' and OPEN_OK.match(e.body):
            if holder is not None:
                raise TraceError(f'{path}: pid {e.pid} opened while '
                                 f'pid {holder[0]} held the file')
            if released is not None:
                t_rel = released['t']
                if released['handed'] is not None:
                    if released['handed'] != e.pid:
                        raise TraceError(f'{path}: handed to pid '
                                         f'{released["handed"]}, taken by '
                                         f'pid {e.pid}')
                    # Given a CPU after the hand-off, or still on one.
                    t_in = max(switched_in.get(e.pid, t_rel), t_rel)
                    kinds['handed on: waiting for a CPU'].append(t_in - t_rel)
                    kinds['handed on: leaving open()'].append(e.t - t_in)
                elif released['woken'] == e.pid:
                    kinds['free: taken by the woken sleeper'].append(
                        e.t - t_rel)
                else:
                    kinds['free: taken by a running task'].append(
                        e.t - t_rel)
            holder = (e.pid, e.t)
            released = None
            acquisitions += 1
        elif e.name == 'sleep_release':
            if holder is None or holder[0] != e.pid:
                raise TraceError(f'{path}: pid {e.pid} released a file it '
                                 f'does not hold (at {e.t:.6f})')
            kinds['held'].append(e.t - holder[1])
            holder = None
            released = {'t': e.t, 'by': e.pid, 'handed': None,
                        'woken': None}
    if not acquisitions:
        raise TraceError(f'{path}: no acquisition of /proc/sleep '
                         '(sleep_open ret=0)')
    return kinds, acquisitions


def report(path):
    kinds, n = gaps(path)
    whole = sum(sum(v) for v in kinds.values())
    print(f'{os.path.basename(path)}: {n} acquisitions, '
          f'{whole * 1e6 / n:.0f} us each')
    print(f'  {"the file was":36} {"times":>6} {"total ms":>9} '
          f'{"mean us":>8} {"share":>6}')
    for kind, values in kinds.items():
        total = sum(values)
        mean = total / len(values) * 1e6 if values else 0
        print(f'  {kind:36} {len(values):6} {total * 1e3:9.2f} '
              f'{mean:8.0f} {total / whole * 100:5.0f}%')


def main(argv):
    if len(argv) < 2:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 64
    for path in argv[1:]:
        try:
            report(path)
        except TraceError as e:
            print(f'gaps: {e}', file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
