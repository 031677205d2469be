# SPDX-License-Identifier: GPL-2.0
"""make bench's tables, as Markdown: bench.md (every table) and results.md
(the run's machine and date, the headline, the goals, the plots).

A Run says how the measurements were made: kernel, host CPU, vCPUs,
accelerator, clock source, date, repetitions, guest time and code.
"""

from collections import namedtuple

from measurements import Case, LABEL, PRIMITIVES, PRODUCT, SLEEP_RULES

Run = namedtuple('Run', 'kernel host_cpu vcpus accelerator clock date '
                        'repetitions seconds code')

# Overtakes per acquisition the method cannot tell from 0.
OVERTAKE_FLOOR = 0.05
METRIC = {
    'wake_us': 'wake-up, µs',
    'handoff_us': 'hand-off, µs',
    'us_per_write': 'µs per write',
    'switches_per_write': 'reader switches per write',
    'us_per_acq': 'µs per acquisition',
    'free_us_per_handoff': 'µs free per hand-off',
    'switches_per_acq': 'switches per acquisition',
    'overtakes_per_acq': 'overtakes per acquisition',
    'longest_wait_ms': 'longest wait, ms',
}
TEST = {
    'wake-same': 'wake, same CPU', 'wake-cross': 'wake, across CPUs',
    'handoff-same': 'hand-off, same CPU',
    'handoff-cross': 'hand-off, across CPUs',
    'burst': 'one writer', 'contend': 'contention',
}
CONTENTION_METRICS = ['us_per_acq', 'free_us_per_handoff', 'switches_per_acq',
                      'overtakes_per_acq', 'longest_wait_ms']
# The rows of the full tables, in order.
TABLE_CASES = {
    'token': ([Case('token', test, 1, 0, 'wake_us')
               for test in ('wake-same', 'wake-cross')]
              + [Case('token', 'burst', n, 0, metric) for n in (1, 8, 64)
                 for metric in ('us_per_write', 'switches_per_write')]),
    'lock': ([Case('lock', test, 1, 0, 'handoff_us')
              for test in ('handoff-same', 'handoff-cross')]
             + [Case('lock', 'contend', n, hold, metric) for hold in (0, 1)
                for n in (1, 8, 64) for metric in CONTENTION_METRICS]),
}
# The rows a reader looks at first.
HEADLINE_CASES = (
    [Case('token', test, 1, 0, 'wake_us') for test in ('wake-same',
                                                       'wake-cross')]
    + [Case('token', 'burst', n, 0, metric)
       for metric in ('us_per_write', 'switches_per_write') for n in (8, 64)]
    + [Case('lock', test, 1, 0, 'handoff_us') for test in ('handoff-same',
                                                           'handoff-cross')]
    + [Case('lock', 'contend', n, 0, 'us_per_acq') for n in (1, 8, 64)]
    + [Case('lock', 'contend', n, hold, 'overtakes_per_acq')
       for hold in (0, 1) for n in (8, 64)]
    + [Case('lock', 'contend', n, 1, metric)
       for metric in ('longest_wait_ms', 'switches_per_acq') for n in (8, 64)])


def number(x):
    """A value with as many digits as it is worth."""
    if x is None:
        return '—'
    if x == 0:
        return '0'
    if abs(x) >= 100:
        return f'{x:.0f}'
    if abs(x) >= 10:
        return f'{x:.1f}'
    if abs(x) >= 0.1:
        return f'{x:.2f}'
    return f'{x:.2g}'


def spread_text(spread):
    if not spread:
        return '—'
    return f'{number(spread.median)} [{number(spread.low)}–' \
           f'{number(spread.high)}]'


def ratio_text(spread):
    if not spread:
        return '—'
    return f'{number(spread.median)}x [{number(spread.low)}–' \
           f'{number(spread.high)}]'


def markdown_row(cells):
    return '| ' + ' | '.join(cells) + ' |'


def comparison(meas, case):
    """The product's median, the best kernel primitive with its median,
    and the ratio: cells of a table row."""
    product = PRODUCT[case.group]
    rival = meas.best_rival(case)
    if rival is None:
        return [number(meas.median(product, case)), '—', '—']
    return [number(meas.median(product, case)),
            f'{LABEL[rival]} {number(meas.median(rival, case))}',
            ratio_text(meas.ratio(product, rival, case))]


def full_table(meas, group):
    """Every configuration of a group: the product, the best kernel
    primitive, the ratio, then every other primitive's median."""
    product = PRODUCT[group]
    others = [prim for prim in PRIMITIVES[group] if prim != product]
    head = (['test', 'readers' if group == 'token' else 'contenders']
            + (['hold ms'] if group == 'lock' else [])
            + ['metric', f'**{LABEL[product]}**', 'best kernel primitive',
               'ratio [range]'] + [LABEL[prim] for prim in others])
    out = [markdown_row(head), '|' + '---|' * len(head)]
    for case in TABLE_CASES[group]:
        if meas.median(product, case) is None:
            continue
        product_cell, rival_cell, ratio_cell = comparison(meas, case)
        cells = ([TEST[case.test], str(case.n)]
                 + ([str(case.hold)] if group == 'lock' else [])
                 + [METRIC[case.metric], f'**{product_cell}**', rival_cell,
                    ratio_cell]
                 + [number(meas.median(prim, case)) for prim in others])
        out.append(markdown_row(cells))
    return out


def headline(meas):
    out = ['| product | test | N | hold ms | metric | value | '
           'best kernel primitive | ratio [range] |',
           '|---|---|---|---|---|---|---|---|']
    for case in HEADLINE_CASES:
        if meas.median(PRODUCT[case.group], case) is None:
            continue
        out.append(markdown_row(
            [LABEL[PRODUCT[case.group]], TEST[case.test], str(case.n),
             str(case.hold), METRIC[case.metric]] + comparison(meas, case)))
    return out


def goals(meas):
    """The products' goals, judged on this run's medians."""
    out = ['| goal | measured (median [range]) | met |', '|---|---|---|']
    for goal, measured, met in (sleepy_goals(meas) + sleep_goals(meas)
                                + handoff_goals(meas)):
        if measured == '—':
            continue  # not measured in this run
        verdict = {True: 'yes', False: '**no**'}.get(met, met)
        out.append(f'| {goal} | {measured} | {verdict} |')
    return out + [
        '', '¹ An arrival is stamped before open() is called, and the path '
        'walk and a stalled vCPU can put it in line later than its stamp '
        'says. A few overtakes per thousand acquisitions (at most '
        f'{OVERTAKE_FLOOR} per acquisition) are that, not the lock; make '
        "check's count-based test is the proof of strict order."]


def at_most(spread, bound):
    return spread is not None and spread.median <= bound


def no_overtakes(spread):
    """0 overtakes: exactly, or at the method's floor (see the note)."""
    if spread is None:
        return False
    if spread.high == 0:
        return True
    return 'at the floor¹' if spread.median <= OVERTAKE_FLOOR else False


def sleepy_goals(meas):
    """(goal, measured, met) for /dev/sleepy as a token."""
    out = []
    for n in (8, 64):
        burst = Case('token', 'burst', n, 0, 'us_per_write')
        ratio = meas.ratio('sleepy', 'pipe', burst)
        out.append((f"/dev/sleepy, {n} readers: time per write ≤ 2x pipe's",
                    ratio_text(ratio), at_most(ratio, 2)))
        switches = meas.spread('sleepy', burst._replace(
            metric='switches_per_write'))
        out.append((f'/dev/sleepy, {n} readers: reader switches per write '
                    '≤ 0.1', spread_text(switches), at_most(switches, 0.1)))
    exact = meas.median('sleepy', Case('token', 'burst', 64, 0, 'exact'))
    out.append(('/dev/sleepy: exactly one read per write, none lost',
                'every run' if exact == 1 else '—', exact == 1))
    return out


def sleep_goals(meas):
    """(goal, measured, met) for /proc/sleep as a lock."""
    out = []
    for hold in (0, 1):
        for n in (8, 64):
            contend = Case('lock', 'contend', n, hold, 'overtakes_per_acq')
            overtakes = meas.spread('sleep', contend)
            out.append((f'/proc/sleep, {n} contenders, hold {hold} ms: '
                        '0 overtakes', spread_text(overtakes),
                        no_overtakes(overtakes)))
            ratio = meas.ratio('sleep', 'flock', contend._replace(
                metric='longest_wait_ms'))
            out.append((f'/proc/sleep, {n} contenders, hold {hold} ms: '
                        "longest wait ≤ 1.2x flock's", ratio_text(ratio),
                        at_most(ratio, 1.2)))
    for n in (8, 64):
        switches = meas.spread('sleep', Case('lock', 'contend', n, 1,
                                             'switches_per_acq'))
        out.append((f'/proc/sleep, {n} contenders, hold 1 ms: switches per '
                    'acquisition 1.0', spread_text(switches),
                    at_most(switches, 1.05)))
    for test in ('handoff-same', 'handoff-cross'):
        ratio = meas.ratio('sleep', 'flock', Case('lock', test, 1, 0,
                                                  'handoff_us'))
        out.append((f"/proc/sleep {TEST[test]}: ≤ 1.1x flock's",
                    ratio_text(ratio), at_most(ratio, 1.1)))
    return out


def handoff_goals(meas):
    """(goal, measured, met) for /proc/sleep's rule=handoff."""
    out = []
    for n in (8, 64):
        ratio = meas.ratio('sleep-handoff', 'flock',
                           Case('lock', 'contend', n, 0, 'us_per_acq'))
        out.append((f'rule=handoff, {n} contenders, hold 0 ms: time per '
                    "acquisition ≤ 1.5x flock's", ratio_text(ratio),
                    at_most(ratio, 1.5)))
    for hold in (0, 1):
        for n in (8, 64):
            contend = Case('lock', 'contend', n, hold, 'longest_wait_ms')
            ratio = meas.ratio('sleep-handoff', 'flock', contend)
            out.append((f'rule=handoff, {n} contenders, hold {hold} ms: '
                        "longest wait ≤ flock's", ratio_text(ratio),
                        at_most(ratio, 1)))
            overtakes = meas.spread('sleep-handoff', contend._replace(
                metric='overtakes_per_acq'))
            out.append((f'rule=handoff, {n} contenders, hold {hold} ms: '
                        'overtakes per acquisition ≤ 1',
                        spread_text(overtakes), at_most(overtakes, 1)))
    return out


RULE_NAME = {'sleep': 'fifo (default)', 'sleep-handoff': 'handoff',
             'sleep-wake_all': 'all (wake_all=1)'}


def rules(meas):
    """/proc/sleep's three rules side by side, with flock: medians, and
    each rule's time per acquisition over flock's in the same
    repetition."""
    out = ['| contenders | hold ms | rule | µs per acquisition | '
           "ratio to flock's [range] | overtakes per acquisition | "
           'longest wait, ms | switches per acquisition |',
           '|---|---|---|---|---|---|---|---|']
    for hold in (0, 1):
        for n in (8, 64):
            case = Case('lock', 'contend', n, hold, 'us_per_acq')
            for prim in SLEEP_RULES + ['flock']:
                if meas.median(prim, case) is None:
                    continue
                ratio = ('—' if prim == 'flock' else
                         ratio_text(meas.ratio(prim, 'flock', case)))
                out.append(markdown_row(
                    [str(n), str(hold), RULE_NAME.get(prim, LABEL[prim]),
                     number(meas.median(prim, case)), ratio]
                    + [number(meas.median(prim, case._replace(metric=m)))
                       for m in ('overtakes_per_acq', 'longest_wait_ms',
                                 'switches_per_acq')]))
    return out


def herd(meas):
    """Switches per acquisition with 1 ms holds: exclusive against
    wake_all=1."""
    out = ['| contenders | exclusive | wake_all | ratio [range] |',
           '|---|---|---|---|']
    for n in (8, 64):
        case = Case('lock', 'contend', n, 1, 'switches_per_acq')
        exclusive = meas.median('sleep', case)
        wake_all = meas.median('sleep-wake_all', case)
        if exclusive is None or wake_all is None:
            continue
        ratio = meas.ratio('sleep-wake_all', 'sleep', case)
        out.append(f'| {n} | {number(exclusive)} | {number(wake_all)} | '
                   f'{ratio_text(ratio)} |')
    return out


def how_to_read(run):
    emulated = (' Under TCG absolute times are 10-20x a native '
                "machine's; ratios carry over." if run.accelerator == 'TCG'
                else '')
    return ('Each value is the median over the repetitions. A ratio is the '
            "product's value over the best kernel primitive's (lowest "
            "median; not the open+close floor, not /proc/sleep's other "
            'rules) **in the same '
            'repetition**: median [min–max] over the repetitions. Below 1 '
            f'the product is ahead.{emulated} An overtake is an acquisition '
            'by a later arrival while an earlier one had already waited '
            'through a release.')


def bench_md(meas, run):
    """Every table."""
    lines = [
        "# make bench: /dev/sleepy and /proc/sleep against the kernel's "
        'primitives', '',
        f'Kernel {run.kernel}, {run.vcpus} vCPUs, {run.accelerator}, clock '
        f'source {run.clock}, {run.repetitions} repetitions in one boot in '
        f'{run.seconds} s. Code: {run.code}.', '', how_to_read(run), '']
    lines += ['## Headline', ''] + headline(meas) + ['']
    lines += ['## Goals', ''] + goals(meas) + ['']
    lines += ['## The herd: switches per acquisition, 1 ms holds', '']
    lines += herd(meas) + ['']
    lines += ["## /proc/sleep's three rules against flock", '']
    lines += rules(meas) + ['']
    lines += ['## /dev/sleepy as a token', ''] + full_table(meas, 'token')
    lines += ['', '## /proc/sleep as a lock', ''] + full_table(meas, 'lock')
    lines += ['', 'Plots: token.svg, lock.svg, latency.svg.', '']
    return '\n'.join(lines)


def results_md(meas, run):
    """The run's machine and date, then what a reader looks at first."""
    lines = [
        "# /dev/sleepy and /proc/sleep against the kernel's primitives", '',
        '| | |', '|---|---|',
        f'| kernel | {run.kernel} |',
        f'| machine | {run.host_cpu} (host), {run.vcpus} vCPUs, '
        f'{run.accelerator} |',
        f'| clock source | {run.clock} |',
        f'| date | {run.date} |',
        f'| repetitions | {run.repetitions}, in one boot, {run.seconds} s |',
        f'| code | {run.code} |', '',
        'Written by make bench (host/bench/report). Every table is in '
        '[bench.md](bench.md), every measurement in [bench.csv](bench.csv).',
        '', how_to_read(run), '']
    lines += ['## Headline', ''] + headline(meas) + ['']
    lines += ['## Goals', ''] + goals(meas) + ['']
    lines += ['## The herd: switches per acquisition, 1 ms holds', '']
    lines += herd(meas) + ['']
    lines += ["## /proc/sleep's three rules against flock", '']
    lines += rules(meas) + ['']
    lines += ['## Plots', '', '![time and switches per write](token.svg)', '',
              '![the locks under contention](lock.svg)', '',
              '![wake-up and hand-off latency](latency.svg)', '']
    return '\n'.join(lines)
