# SPDX-License-Identifier: GPL-2.0
"""guest/bench/measure.sh's output, read, checked, and compared.

Its "meta,KEY,VALUE" lines say how the run was made; its data lines are
"REP,GROUP,PRIM,TEST,N,HOLD_MS,METRIC,VALUE". Output with a data line that
lacks a column, with no header, or with a failed run (a "bench: run failed"
line, or a run whose "exact" check is not 1) is refused with a BenchError.

Every metric is "lower is better". A ratio compares a product with the
best kernel primitive of the same configuration: the one with the lowest
median over the repetitions. It is taken within each repetition, and
given as the median and the range of those per-repetition ratios.
"""

import statistics
from collections import defaultdict, namedtuple

COLUMNS = 'rep,group,prim,test,n,hold_ms,metric,value'
TOKENS = ['sleepy', 'eventfd', 'pipe', 'sem']
LOCKS = ['sleep', 'sleep-handoff', 'flock', 'ofd', 'mutex', 'open',
         'sleep-wake_all']
PRIMITIVES = {'token': TOKENS, 'lock': LOCKS}
PRODUCT = {'token': 'sleepy', 'lock': 'sleep'}
# Never "the best kernel primitive": the products, the floor (open+close,
# no lock) and /proc/sleep's other rules (rule=handoff, wake_all=1).
NOT_RIVALS = {'sleepy', 'sleep', 'open', 'sleep-handoff',
              'sleep-wake_all'}
# /proc/sleep's three rules: fifo (the default, the product), handoff, all.
SLEEP_RULES = ['sleep', 'sleep-handoff', 'sleep-wake_all']
LABEL = {
    'sleepy': '/dev/sleepy', 'eventfd': 'eventfd', 'pipe': 'pipe',
    'sem': 'POSIX sem', 'sleep': '/proc/sleep fifo', 'flock': 'flock',
    'sleep-handoff': '/proc/sleep handoff',
    'ofd': 'OFD lock', 'mutex': 'pthread mutex', 'open': 'open+close',
    'sleep-wake_all': '/proc/sleep all',
}

# One measured quantity, for any primitive of its group: e.g. the time per
# write (metric) of one writer (test "burst") to 8 readers (n), no hold.
Case = namedtuple('Case', 'group test n hold metric')
# A median with the range it comes from.
Spread = namedtuple('Spread', 'median low high')


class BenchError(Exception):
    """What is wrong with a benchmark's output, said so that one can act."""


def spread(values):
    values = list(values)
    if not values:
        return None
    return Spread(statistics.median(values), min(values), max(values))


class Measurements:
    def __init__(self, path):
        self.meta = {}  # KEY: VALUE of the "meta" lines
        self.rows = []  # the data lines' fields, as written
        self.values = defaultdict(dict)  # (prim, Case): {rep: value}
        self.failed = []  # what says a run failed
        header = False
        for number, line in enumerate(read_lines(path), 1):
            fields = line.split(',')
            if fields[0] == 'meta' and len(fields) >= 3:
                self.meta[fields[1]] = ','.join(fields[2:])
            elif fields[0] == 'rep':
                check_header(number, line)
                header = True
            elif fields[0].isdigit():
                self.add(number, line, fields)
            elif line.startswith('bench: run failed'):
                self.failed.append(line)
        if not header:
            raise BenchError(f'no "{COLUMNS}" header: not the output of '
                             'guest/bench/measure.sh')
        if not self.rows:
            raise BenchError('no measurements')
        if self.failed:
            runs = ('a run' if len(self.failed) == 1
                    else f'{len(self.failed)} runs')
            raise BenchError(f'{runs} failed (lost or doubled tokens, two '
                             'holders, a timeout):\n  '
                             + '\n  '.join(self.failed))
        self.reps = sorted({int(row[0]) for row in self.rows})

    def add(self, number, line, fields):
        """One data line."""
        if len(fields) != 8:
            raise BenchError(f'line {number}: {len(fields)} fields, not the '
                             f'8 of {COLUMNS}: {line!r}')
        rep, group, prim, test, n, hold, metric, value = fields
        try:
            case = Case(group, test, int(n), int(hold), metric)
            self.values[prim, case][int(rep)] = float(value)
        except ValueError:
            raise BenchError(f'line {number}: rep, n and hold_ms are whole '
                             f'numbers, value a number: {line!r}') from None
        self.rows.append(fields)
        if metric == 'exact' and float(value) != 1:
            self.failed.append(f'line {number}: {line}')

    def median(self, prim, case):
        values = self.values.get((prim, case))
        return statistics.median(values.values()) if values else None

    def spread(self, prim, case):
        """The median, lowest and highest over the repetitions, or None."""
        return spread(self.values.get((prim, case), {}).values())

    def best_rival(self, case):
        """The kernel primitive with the lowest median, or None."""
        medians = [(self.median(prim, case), prim)
                   for prim in PRIMITIVES[case.group]
                   if prim not in NOT_RIVALS]
        medians = [m for m in medians if m[0] is not None]
        return min(medians)[1] if medians else None

    def ratio(self, prim, rival, case):
        """prim's value over rival's within each repetition: the Spread of
        those ratios, or None."""
        mine = self.values.get((prim, case), {})
        theirs = self.values.get((rival, case), {})
        return spread(mine[rep] / theirs[rep] for rep in mine
                      if rep in theirs and theirs[rep] > 0)


def read_lines(path):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return [line.strip() for line in f]
    except OSError as e:
        raise BenchError(f'cannot read it: {e.strerror}') from None


def check_header(number, line):
    if line != COLUMNS:
        raise BenchError(f'line {number}: the header is {line!r}, not '
                         f'{COLUMNS!r}')
