# SPDX-License-Identifier: GPL-2.0
"""make bench's plots, drawn by gnuplot: token.svg (one writer, 1-64
readers), lock.svg (1-64 contenders) and latency.svg (one wake-up or
hand-off). Each point is a median over the repetitions, its bar the range;
the header says how the run was made. gnuplot's data and scripts are
written to a folder that is removed afterwards.
"""

import os
import subprocess
import tempfile

from measurements import Case, LABEL, LOCKS, TOKENS

STYLE_ORDER = ['sleepy', 'eventfd', 'pipe', 'sem', 'sleep', 'flock', 'ofd',
               'mutex', 'open', 'sleep-wake_all', 'sleep-handoff']
COUNTS = (1, 8, 64)  # readers or contenders
TERMINAL = """\
set terminal svg size {w},{h} dynamic noenhanced font "sans,11" \
background "white"
set output "{out}"
set style line 1 lc rgb "#d62728" lw 2.5 pt 7
set style line 2 lc rgb "#1f77b4" lw 1.5 pt 5
set style line 3 lc rgb "#2ca02c" lw 1.5 pt 9
set style line 4 lc rgb "#9467bd" lw 1.5 pt 11
set style line 5 lc rgb "#d62728" lw 2.5 pt 7
set style line 6 lc rgb "#1f77b4" lw 1.5 pt 5
set style line 7 lc rgb "#2ca02c" lw 1.5 pt 9
set style line 8 lc rgb "#9467bd" lw 1.5 pt 11
set style line 9 lc rgb "#7f7f7f" lw 1.5 pt 13 dt 2
set style line 10 lc rgb "#ff7f0e" lw 1.5 pt 3 dt 3
set style line 11 lc rgb "#8c564b" lw 2.5 pt 15
set logscale x 2
set xrange [0.7:90]
set xtics ("1" 1, "8" 8, "64" 64)
set grid
set key top left font ",9"
"""


def line_style(prim):
    return STYLE_ORDER.index(prim) + 1


def plot(meas, outdir, header):
    """Write OUTDIR/token.svg, lock.svg and latency.svg."""
    with tempfile.TemporaryDirectory(prefix='bench-plot.') as work:
        for name, script in (('token', token_plot),
                             ('lock', lock_plot),
                             ('latency', latency_plot)):
            commands = script(meas, work, header,
                              os.path.join(outdir, f'{name}.svg'))
            gp = os.path.join(work, f'{name}.gp')
            write(gp, '\n'.join(commands) + '\n')
            subprocess.run(['gnuplot', gp], check=True)


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def by_count(meas, prims, case):
    """gnuplot data blocks, one per primitive: 'N median min max' for each
    count of readers or contenders that has a value above 0."""
    blocks = []
    for prim in prims:
        spreads = [(n, meas.spread(prim, case._replace(n=n)))
                   for n in COUNTS]
        # A log scale cannot show 0: leave such points out.
        spreads = [(n, s) for n, s in spreads if s and s.median > 0]
        if spreads:
            blocks.append((prim, '\n'.join(
                f'{n} {s.median} {s.low if s.low > 0 else s.median} {s.high}'
                for n, s in spreads)))
    return blocks


def panel(datafile, blocks, title, ylabel):
    """One graph of lines with error bars, log scale; none without data."""
    if not blocks:
        return []
    write(datafile, '\n\n\n'.join(block for _, block in blocks) + '\n')
    lines = [f'"{datafile}" index {i} using 1:2:3:4 with yerrorlines '
             f'ls {line_style(prim)} title "{LABEL[prim]}"'
             for i, (prim, _) in enumerate(blocks)]
    return [f'set title "{title}"', f'set ylabel "{ylabel}"',
            'set logscale y', 'plot ' + ', \\\n     '.join(lines)]


def token_plot(meas, work, header, out):
    burst = Case('token', 'burst', 0, 0, 'us_per_write')
    return ([TERMINAL.format(w=1000, h=420, out=out),
             f'set multiplot layout 1,2 title "{header}" font ",10"',
             'set xlabel "sleeping readers, one writer posting as fast as '
             'it can"']
            + panel(os.path.join(work, 't_time.dat'),
                    by_count(meas, TOKENS, burst),
                    'time per write (µs)', 'µs per write')
            + panel(os.path.join(work, 't_sw.dat'),
                    by_count(meas, TOKENS, burst._replace(
                        metric='switches_per_write')),
                    "readers' voluntary switches per write",
                    'switches per write')
            + ['unset multiplot'])


def lock_plot(meas, work, header, out):
    locks = [prim for prim in LOCKS if prim != 'open']
    contend = Case('lock', 'contend', 0, 1, None)
    graphs = [
        ('l_acq0.dat', LOCKS, contend._replace(hold=0, metric='us_per_acq'),
         'time per acquisition, no hold (µs)', 'µs'),
        ('l_sw1.dat', locks, contend._replace(metric='switches_per_acq'),
         'switches per acquisition, 1 ms holds', 'switches'),
        ('l_ot1.dat', locks, contend._replace(metric='overtakes_per_acq'),
         'overtakes per acquisition, 1 ms holds', 'overtakes'),
        ('l_lw1.dat', locks, contend._replace(metric='longest_wait_ms'),
         'longest wait, 1 ms holds (ms)', 'ms')]
    commands = [TERMINAL.format(w=1000, h=760, out=out),
                f'set multiplot layout 2,2 title "{header}" font ",10"',
                'set xlabel "contenders"']
    for datafile, prims, case, title, ylabel in graphs:
        commands += panel(os.path.join(work, datafile),
                          by_count(meas, prims, case), title, ylabel)
    return commands + ['unset multiplot']


def latency_plot(meas, work, header, out):
    """One bar group per test (same CPU, across CPUs), one bar per
    primitive."""
    locks = [prim for prim in LOCKS if prim not in ('open', 'sleep-wake_all')]
    commands = [TERMINAL.format(w=1000, h=420, out=out),
                f'set multiplot layout 1,2 title "{header}" font ",10"',
                'unset logscale x', 'set xrange [-0.6:1.6]',
                'set xtics ("same CPU" 0, "across CPUs" 1)', 'unset xlabel',
                'set style fill solid 0.8 border -1', 'set boxwidth 0.18',
                'set yrange [0:*]', 'set offsets 0, 0, graph 0.25, 0',
                'set key top center horizontal']
    commands += bars(meas, os.path.join(work, 'lat_token.dat'), TOKENS,
                     Case('token', None, 1, 0, 'wake_us'),
                     ('wake-same', 'wake-cross'),
                     'wake one sleeping reader (µs, median)')
    commands += bars(meas, os.path.join(work, 'lat_lock.dat'), locks,
                     Case('lock', None, 1, 0, 'handoff_us'),
                     ('handoff-same', 'handoff-cross'),
                     'hand the lock to one sleeper (µs, median)')
    return commands + ['unset multiplot']


def bars(meas, datafile, prims, case, tests, title):
    """One graph of bars: for each test, the primitives side by side, each
    with its range."""
    blocks = []
    for i, prim in enumerate(prims):
        rows = []
        for x, test in enumerate(tests):
            s = meas.spread(prim, case._replace(test=test))
            if s:
                offset = x + (i - (len(prims) - 1) / 2) * 0.2
                rows.append(f'{offset} {s.median} {s.low} {s.high}')
        blocks.append((prim, '\n'.join(rows) or '0 0 0 0'))
    write(datafile, '\n\n\n'.join(block for _, block in blocks) + '\n')
    boxes = [f'"{datafile}" index {i} using 1:2 with boxes '
             f'ls {line_style(prim)} title "{LABEL[prim]}", '
             f'"{datafile}" index {i} using 1:3:(0):($4-$3) '
             "with vectors nohead lc rgb 'black' notitle"
             for i, (prim, _) in enumerate(blocks)]
    return [f'set title "{title}"', 'set ylabel "µs"', 'unset logscale y',
            'plot ' + ', \\\n     '.join(boxes)]
