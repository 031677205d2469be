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
picture is written for it. Python 3's standard library only.
"""

import argparse
import os
import re
import sys
from html import escape

EVENT = re.compile(r'^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+(?:\(\s*[\d-]+\)\s+)?'
                   r'\[(?P<cpu>\d+)\]\s+(?:(?P<flags>\S{4,6})\s+)?'
                   r'(?P<ts>\d+\.\d+):\s+(?P<event>\w+):\s?(?P<body>.*)$')
SWITCH = re.compile(r'^prev_comm=(?P<pcomm>.*) prev_pid=(?P<ppid>\d+) '
                    r'prev_prio=-?\d+ prev_state=(?P<pstate>\S+) ==> '
                    r'next_comm=(?P<ncomm>.*) next_pid=(?P<npid>\d+) '
                    r'next_prio=-?\d+$')
WAKE = re.compile(r'^comm=(?P<comm>.*) pid=(?P<pid>\d+) prio=-?\d+'
                  r'(?: success=\d+)? target_cpu=\d+$')
EXIT = re.compile(r'^comm=(?P<comm>.*) pid=(?P<pid>\d+) prio=-?\d+'
                  r'(?: group_dead=\w+)?$')
FORK = re.compile(r'^comm=.* pid=\d+ child_comm=(?P<comm>.*) '
                  r'child_pid=(?P<pid>\d+)$')
LOST = re.compile(r'^# entries-in-buffer/entries-written: (\d+)/(\d+)')

RUN, READY, SLEEP_S, SLEEP_D = 'run', 'ready', 'S', 'D'
STATES = [(RUN, '#2e7d32', 'running'),
          (READY, '#ffb300', 'runnable (woken or preempted)'),
          (SLEEP_S, '#90caf9', 'asleep, interruptible (S)'),
          (SLEEP_D, '#c62828', 'asleep, uninterruptible (D)')]
COLOUR = {s: c for s, c, _ in STATES}
MARK_COLOURS = ['#6a1b9a', '#00838f', '#ad1457', '#4e342e']


class TraceError(Exception):
    """What is wrong with a trace, said so that its author can act on it."""


def after_switch_out(state):
    """The state a task leaves the CPU in, from sched_switch's prev_state."""
    if state.startswith('R'):
        return READY
    if state.startswith('D'):
        return SLEEP_D
    if state[0] in 'XZ':
        return None
    return SLEEP_S  # S, I (an idle kthread), T, t, P


class Task:
    def __init__(self, pid):
        self.pid = pid
        self.comms = []
        self.state = None  # unknown until the first event
        self.since = None
        self.spans = []  # (start, end, state)
        self.woken = 0
        self.spurious = 0
        self.pending = False  # woken, and no module event since
        self.started = False  # woken once already
        self.events = {}

    def name(self, comm):
        if comm and comm not in self.comms:
            self.comms.append(comm)

    def enter(self, t, state, before=None):
        """The task is in `state` from t on; `before` is what it was until
        then if nothing said so yet."""
        if self.state is None and before is not None:
            self.state, self.since = before, None
        if self.state is not None:
            self.spans.append((self.since, t, self.state))
        self.state, self.since = state, t


class Trace:
    def __init__(self, path):
        self.path = path
        self.markers = {}
        self.begin = self.end = None
        self.tasks = {}
        self.wakes = []  # (t, waker pid or None, woken pid)
        self.marks = []  # (t, pid, event, body)
        self.holds = []  # (start, end, pid): between a "span" marker's events
        self.open = {}  # pid: when its span began
        self.first = self.last = None
        self.parse()

    def task(self, pid, comm=None):
        task = self.tasks.setdefault(pid, Task(pid))
        task.name(comm)
        return task

    def in_window(self, t):
        return self.begin <= t <= self.end

    def parse(self):
        try:
            with open(self.path, encoding='utf-8') as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise TraceError(f'cannot read it: {e}') from None
        if not lines or not lines[0].startswith('# tracer:'):
            raise TraceError('not ftrace text: the first line is not '
                             '"# tracer: ..." (cat /sys/kernel/tracing/trace)')
        for n, line in enumerate(lines, 1):
            try:
                self.line(line)
            except TraceError as e:
                raise TraceError(f'line {n}: {e}: {line[:100]!r}') from None
        for key in ('scenario', 'tasks'):
            if key not in self.markers:
                raise TraceError(f'no "waitq-trace: {key}" marker: not a '
                                 'trace from guest/trace/scenarios.sh')
        if self.begin is None:
            raise TraceError('no "waitq-trace: begin" marker')
        if self.end is None:
            raise TraceError('no "waitq-trace: end" marker: the trace is '
                             'cut short')
        try:
            self.pattern = re.compile(self.markers['tasks'])
        except re.error as e:
            raise TraceError(f'the tasks marker is no regular expression: '
                             f'{e}') from None
        for task in self.tasks.values():
            if task.state is not None:
                task.spans.append((task.since, self.last, task.state))
        for pid, start in self.open.items():
            self.holds.append((start, self.last, pid))
        try:
            self.width = int(self.markers.get('width', 900))
        except ValueError:
            raise TraceError('the width marker is no number') from None
        if not 300 <= self.width <= 4000:
            raise TraceError(f'width {self.width} is outside 300-4000')

    def line(self, line):
        lost = LOST.match(line)
        if lost and int(lost.group(1)) < int(lost.group(2)):
            raise TraceError(f'the ring buffer lost '
                             f'{int(lost.group(2)) - int(lost.group(1))} '
                             f'events (raise buffer_size_kb)')
        if not line.strip() or line.startswith('#'):
            return
        m = EVENT.match(line)
        if not m:
            raise TraceError('not an ftrace event line')
        t = float(m['ts'])
        if self.last is not None and t < self.last - 1e-6:
            raise TraceError('time runs backwards')
        self.first = t if self.first is None else self.first
        self.last = t
        pid, event, body = int(m['pid']), m['event'], m['body']
        flags = m['flags'] or '....'
        if pid:
            self.task(pid, m['comm'])
        if event == 'sched_switch':
            self.switch(t, body)
        elif event in ('sched_waking', 'sched_wakeup'):
            w = WAKE.match(body)
            if not w:
                raise TraceError(f'a {event} event without comm= pid=')
            woken = self.task(int(w['pid']), w['comm'])
            if event == 'sched_waking':
                # In an interrupt (hardirq, softirq: a timer, an IPI) the
                # task on the CPU is not the one that wakes.
                waker = pid if pid and flags[2] == '.' else None
                self.wake(t, waker, woken)
            elif woken.state in (SLEEP_S, SLEEP_D, None):
                woken.enter(t, READY, before=SLEEP_S)
        elif event == 'sched_process_fork':
            f = FORK.match(body)
            if not f:
                raise TraceError('a sched_process_fork event without '
                                 'child_pid=')
            child = self.task(int(f['pid']), f['comm'])
            if child.state is None:
                child.enter(t, READY)
        elif event == 'sched_process_exit':
            if not EXIT.match(body):
                raise TraceError('a sched_process_exit event without pid=')
        elif event == 'tracing_mark_write':
            self.marker(t, body)
        elif not event.startswith('sched_') and pid:
            task = self.task(pid)
            if self.begin is not None and self.end is None:
                self.marks.append((t, pid, event, body))
                task.events[event] = task.events.get(event, 0) + 1
            task.pending = False
            self.span(t, pid, event)

    def span(self, t, pid, event):
        """`waitq-trace: span FIRST LAST WHAT`: a task is in WHAT from its
        event FIRST to its next event LAST (e.g. holds /proc/sleep)."""
        first, _, rest = self.markers.get('span', '').partition(' ')
        last = rest.partition(' ')[0]
        if event == first and pid not in self.open:
            self.open[pid] = t
        elif event == last and pid in self.open:
            self.holds.append((self.open.pop(pid), t, pid))

    def switch(self, t, body):
        s = SWITCH.match(body)
        if not s:
            raise TraceError('a sched_switch event without prev_ and next_ '
                             'fields')
        prev, nxt = int(s['ppid']), int(s['npid'])
        if prev:
            task = self.task(prev, s['pcomm'])
            state = after_switch_out(s['pstate'])
            counted = self.begin is not None and self.end is None
            if state in (SLEEP_S, SLEEP_D) and task.pending and counted:
                task.spurious += 1
            if state in (SLEEP_S, SLEEP_D):
                task.pending = False
            task.enter(t, state, before=RUN)
        if nxt:
            self.task(nxt, s['ncomm']).enter(t, RUN, before=READY)

    def wake(self, t, waker, woken):
        if self.begin is not None and self.end is None:
            self.wakes.append((t, waker, woken.pid))
            woken.woken += 1
            # A new kthread sleeps as "kthreadd" until it is started: that
            # first wake-up starts its work, it is not one to wait for.
            woken.pending = woken.comms[:1] != ['kthreadd'] or woken.started
            woken.started = True
        if woken.state in (SLEEP_S, SLEEP_D, None):
            woken.enter(t, READY, before=SLEEP_S)

    def marker(self, t, body):
        if not body.startswith('waitq-trace: '):
            return
        key, _, value = body[len('waitq-trace: '):].partition(' ')
        if key == 'begin':
            self.begin = t
        elif key == 'end':
            if self.begin is None:
                raise TraceError('"end" before "begin"')
            self.end = t
        else:
            self.markers.setdefault(key, value)

    def rows(self):
        """The scenario's tasks, in the order they were created."""
        rows = [task for pid, task in sorted(self.tasks.items())
                if any(self.pattern.search(c) for c in task.comms)]
        if not rows:
            raise TraceError(f'no task matches the tasks marker '
                             f'{self.markers["tasks"]!r}')
        # Start the picture shortly before the first of them exists.
        starts = [start for task in rows for start, _, state in task.spans
                  if state is not None]
        pad = (self.end - self.begin) * 0.02
        if starts and None not in starts:
            self.begin = max(self.begin, min(starts) - pad)
        # And end it shortly after the last of them has exited.
        if all(task.state is None for task in rows):
            last = max(end for task in rows for _, end, _ in task.spans)
            self.end = max(self.begin + pad, min(self.end, last + pad))
        return rows

    def clipped(self, task):
        """The task's state spans inside the window, states known only."""
        for start, end, state in task.spans:
            start = self.begin if start is None else max(start, self.begin)
            end = min(end, self.end)
            if state is not None and end > start:
                yield start, end, state


def nice_step(span, ticks=8):
    raw = span / ticks
    for unit in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if unit >= raw:
            return unit
    return 10000


def label(task):
    return f'{task.comms[-1]} {task.pid}'


def text_width(text, size=12):
    """About how wide sans-serif text is: enough to lay out a legend."""
    return 0.58 * size * len(text)


def svg(trace, rows):
    width, row_h = trace.width, 30
    size = 12 if width >= 600 else 11
    left = 12 + max(text_width(label(task), size) for task in rows)
    right, top = width - 14, 64
    scale = (right - left) / ((trace.end - trace.begin) * 1000)
    ypos = {task.pid: top + row_h * i + row_h / 2 for i, task in
            enumerate(rows)}

    def x(t):
        return left + (t - trace.begin) * 1000 * scale

    body = []
    title = f'{trace.markers["scenario"]} on {trace.markers.get("kernel", "?")}'
    body.append(f'<text x="10" y="22" font-size="{size + 4}" '
                f'font-weight="bold">{escape(title)}</text>')
    body.append(f'<text x="10" y="42" fill="#424242">'
                f'{escape(trace.markers.get("params", ""))}</text>')

    # Time axis, in ms from the begin marker, under the rows.
    axis_y = top + row_h * len(rows) + 4
    span_ms = (trace.end - trace.begin) * 1000
    step = nice_step(span_ms, ticks=max(3, int((right - left) / 80)))
    body.append(f'<line x1="{left:.1f}" y1="{axis_y}" x2="{right}" '
                f'y2="{axis_y}" stroke="#616161"/>')
    ms = 0
    while ms <= span_ms + 1e-9:
        tx = left + ms * scale
        body.append(f'<line class="grid" x1="{tx:.1f}" y1="{top - 4}" '
                    f'x2="{tx:.1f}" y2="{axis_y + 4}" stroke="#e0e0e0"/>')
        body.append(f'<text x="{tx:.1f}" y="{axis_y + 17}" '
                    f'text-anchor="middle">{ms:g}</text>')
        ms += step
    body.append(f'<text x="{right}" y="{axis_y + 32}" text-anchor="end" '
                'fill="#424242">time (ms)</text>')

    for task in rows:
        y = ypos[task.pid]
        body.append(f'<text class="row" x="{left - 8:.1f}" y="{y + 4:.1f}" '
                    f'text-anchor="end">{escape(label(task))}</text>')
        for start, end, state in trace.clipped(task):
            w = max((end - start) * 1000 * scale, 1 if state == RUN else 0)
            body.append(f'<rect class="span {state}" x="{x(start):.2f}" '
                        f'y="{y - 7:.1f}" width="{w:.2f}" height="14" '
                        f'fill="{COLOUR[state]}"><title>{escape(label(task))}'
                        f': {state} {(start - trace.begin) * 1000:.2f}-'
                        f'{(end - trace.begin) * 1000:.2f} ms</title></rect>')

    what = trace.markers.get('span', '').split(' ', 2)[2:]
    for start, end, pid in trace.holds:
        start, end = max(start, trace.begin), min(end, trace.end)
        if pid in ypos and end > start:
            body.append(f'<rect class="hold" x="{x(start):.2f}" '
                        f'y="{ypos[pid] + 11:.1f}" '
                        f'width="{(end - start) * 1000 * scale:.2f}" '
                        'height="3" fill="#212121"/>')

    names = sorted({event for _, _, event, _ in trace.marks})
    mark_colour = {e: MARK_COLOURS[i % len(MARK_COLOURS)]
                   for i, e in enumerate(names)}
    for t, pid, event, text in trace.marks:
        if pid not in ypos:
            continue
        mx, my = x(t), ypos[pid] + 8
        body.append(f'<path class="mark" d="M{mx:.2f},{my:.1f} '
                    f'l-4,7 h8 z" fill="{mark_colour[event]}"><title>'
                    f'{escape(event)}: {escape(text)}</title></path>')

    for t, waker, woken in trace.wakes:
        if woken not in ypos:
            continue
        wx, y2 = x(t), ypos[woken]
        if waker in ypos:
            y1 = ypos[waker]
            y2 += -7 if y2 > y1 else 7
            body.append(f'<line class="wake" x1="{wx:.2f}" y1="{y1:.1f}" '
                        f'x2="{wx:.2f}" y2="{y2:.1f}" stroke="#212121" '
                        'stroke-width="1.2" marker-end="url(#head)"/>')
        else:
            body.append(f'<line class="wake other" x1="{wx:.2f}" '
                        f'y1="{y2 - 17:.1f}" x2="{wx:.2f}" '
                        f'y2="{y2 - 7:.1f}" stroke="#757575" '
                        'stroke-width="1.2" marker-end="url(#grey)"/>')

    # Legend, laid out left to right and wrapped at the right edge.
    items = [(f'<rect x="{{x}}" y="{{y}}" width="14" height="12" '
              f'fill="{colour}"/>', text) for _, colour, text in STATES]
    items.append(('<line x1="{x}" y1="{y6}" x2="{x24}" y2="{y6}" '
                  'stroke="#212121" stroke-width="1.2" '
                  'marker-end="url(#head)"/>', 'woken by the task it starts on'))
    items.append(('<line x1="{x12}" y1="{y}" x2="{x12}" y2="{y12}" '
                  'stroke="#757575" stroke-width="1.2" '
                  'marker-end="url(#grey)"/>',
                  'woken by an interrupt or another task'))
    if what and trace.holds:
        items.append(('<rect x="{x}" y="{y8}" width="24" height="3" '
                      'fill="#212121"/>', what[0]))
    for event in names:
        items.append((f'<path d="M{{x12}},{{y}} l-4,7 h8 z" '
                      f'fill="{mark_colour[event]}"/>', event))
    lx, ly = 10, axis_y + 40
    for shape, text in items:
        w = 30 + text_width(text, size)
        if lx + w > width - 10 and lx > 10:
            lx, ly = 10, ly + 20
        body.append(shape.format(x=lx, y=ly, y6=ly + 6, y8=ly + 5,
                                 y12=ly + 12, x12=lx + 12, x24=lx + 24))
        body.append(f'<text x="{lx + 30}" y="{ly + 11}">{escape(text)}'
                    '</text>')
        lx += w + 14
    height = ly + 28

    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="sans-serif" font-size="{size}">',
            '<defs>' + ''.join(
                f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" '
                'markerWidth="7" markerHeight="7" orient="auto">'
                f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
                for name, colour in (('head', '#212121'), ('grey', '#757575'))
            ) + '</defs>',
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    return '\n'.join(head + body + ['</svg>']) + '\n'


def summary(trace, rows):
    out = [f'{trace.markers["scenario"]} on '
           f'{trace.markers.get("kernel", "?")}: '
           f'{trace.markers.get("params", "")} '
           f'({(trace.end - trace.begin) * 1000:.1f} ms)',
           f'  {"task":<22} {"woken":>5} {"spurious":>8} {"asleep ms":>9}'
           '  module events']
    for task in rows:
        asleep = sum(end - start for start, end, state in trace.clipped(task)
                     if state in (SLEEP_S, SLEEP_D)) * 1000
        events = ', '.join(f'{e} x{n}' for e, n in sorted(task.events.items()))
        out.append(f'  {label(task):<22} {task.woken:>5} {task.spurious:>8} '
                   f'{asleep:>9.1f}  {events or "-"}')
    return '\n'.join(out)


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
            rows = trace.rows()
            picture = svg(trace, rows)
        except TraceError as e:
            print(f'timeline: {path}: {e}', file=sys.stderr)
            failed = True
            continue
        outdir = args.outdir or os.path.dirname(path) or '.'
        os.makedirs(outdir, exist_ok=True)
        name = re.sub(r'[^\w.-]', '_', trace.markers['scenario'])
        target = os.path.join(outdir, f'{name}.svg')
        with open(target + '.tmp', 'w', encoding='utf-8') as f:
            f.write(picture)
        os.replace(target + '.tmp', target)
        print(summary(trace, rows))
        print(f'  -> {target}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
