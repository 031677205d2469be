#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw a timeline from the ftrace text of a guest/trace/scenarios.sh scenario.

    host/trace/timeline.py [-o DIR] TRACE.txt...

For each trace, writes NAME.svg (NAME: the scenario) into DIR (default: the
trace's folder) and prints a per-task summary: wake-ups, spurious wake-ups
(woken, then asleep again with no event of the module in between) and time
asleep. One row per task whose name matches the trace's "tasks" marker: its
state over time (running, runnable, asleep in S, asleep in D), an arrow from
waker to woken for each wake-up (from above the row when an interrupt, a
timer or a task not drawn woke it), and a mark for each module event.

A trace that is not ftrace text, is cut short (no "waitq-trace: end" marker)
or lost events is refused with an error on stderr and exit status 1; no
picture is written for it. Python 3's standard library only: ftrace.py reads
the text into events, tasks.py follows the tasks, draw.py draws them.
"""

import argparse
import os
import re
import sys

from draw import svg
from ftrace import TraceError
from tasks import Trace


def write(path, text):
    """Replace `path` with `text` at once: never a half-written picture."""
    with open(path + '.tmp', 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(path + '.tmp', path)


def main():
    parser = argparse.ArgumentParser(
        description='Draw guest/trace/scenarios.sh traces as SVG timelines.')
    parser.add_argument('-o', dest='outdir', help='folder for NAME.svg')
    parser.add_argument('traces', nargs='+', metavar='TRACE.txt')
    args = parser.parse_args()
    failed = False
    for path in args.traces:
        try:
            trace = Trace(path)
            picture = svg(trace)
        except TraceError as e:
            print(f'timeline: {path}: {e}', file=sys.stderr)
            failed = True
            continue
        outdir = args.outdir or os.path.dirname(path) or '.'
        os.makedirs(outdir, exist_ok=True)
        name = re.sub(r'[^\w.-]', '_', trace.markers['scenario'])
        target = os.path.join(outdir, f'{name}.svg')
        write(target, picture)
        print(trace.summary())
        print(f'  -> {target}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
