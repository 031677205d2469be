# SPDX-License-Identifier: GPL-2.0
"""A trace's task model (tasks.Trace) drawn as a self-contained SVG.

One row per task: its state over time, an arrow from waker to woken for
each wake-up (from above the row when an interrupt, a timer or a task not
drawn woke it), a mark for each module event, a bar under the row while
the task is in a "span" marker's interval; a time axis in ms and a legend.
"""

from html import escape

from tasks import RUN, READY, SLEEP_S, SLEEP_D, SLEEP_I

STATES = [(RUN, '#2e7d32', 'running'),
          (READY, '#ffb300', 'runnable (woken or preempted)'),
          (SLEEP_S, '#90caf9', 'asleep, interruptible (S)'),
          (SLEEP_D, '#c62828', 'asleep, uninterruptible (D)'),
          (SLEEP_I, '#b0bec5', 'asleep, idle (I)')]
COLOUR = {s: c for s, c, _ in STATES}
# In the legend only when some task sleeps in it.
RARE_STATES = (SLEEP_I,)
MARK_COLOURS = ['#6a1b9a', '#00838f', '#ad1457', '#4e342e']
ARROW_HEADS = (('head', '#212121'), ('grey', '#757575'))
ROW_HEIGHT = 30


def nice_step(span, ticks=8):
    raw = span / ticks
    for unit in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if unit >= raw:
            return unit
    return 10000


def text_width(text, size=12):
    """About how wide sans-serif text is: enough to lay out a legend."""
    return 0.58 * size * len(text)


class Layout:
    """Where things go: the rows' area, one y per row, x for a time."""

    def __init__(self, trace):
        self.trace = trace
        self.width = trace.width
        self.size = 12 if self.width >= 600 else 11
        self.left = 12 + max(text_width(task.label, self.size)
                             for task in trace.rows)
        self.right, self.top = self.width - 14, 64
        self.scale = (self.right - self.left) / trace.ms(trace.end)
        self.ypos = {task.pid: self.top + ROW_HEIGHT * i + ROW_HEIGHT / 2
                     for i, task in enumerate(trace.rows)}
        self.axis_y = self.top + ROW_HEIGHT * len(trace.rows) + 4
        names = sorted({event for _, _, event, _ in trace.marks})
        self.mark_colour = {e: MARK_COLOURS[i % len(MARK_COLOURS)]
                            for i, e in enumerate(names)}

    def x(self, t):
        return self.left + self.trace.ms(t) * self.scale


def svg(trace):
    """The picture of `trace`, as SVG text."""
    lay = Layout(trace)
    body = (title(lay) + axis(lay) + state_rows(lay) + holds(lay)
            + marks(lay) + wakes(lay))
    legend_body, height = legend(lay, legend_items(lay))
    return document(lay, height, body + legend_body)


def title(lay):
    markers = lay.trace.markers
    text = f'{markers["scenario"]} on {markers.get("kernel", "?")}'
    return [f'<text x="10" y="22" font-size="{lay.size + 4}" '
            f'font-weight="bold">{escape(text)}</text>',
            f'<text x="10" y="42" fill="#424242">'
            f'{escape(markers.get("params", ""))}</text>']


def axis(lay):
    """Time in ms from the window's start, under the rows."""
    y = lay.axis_y
    span_ms = lay.trace.ms(lay.trace.end)
    step = nice_step(span_ms, ticks=max(3, int((lay.right - lay.left) / 80)))
    out = [f'<line x1="{lay.left:.1f}" y1="{y}" x2="{lay.right}" '
           f'y2="{y}" stroke="#616161"/>']
    ms = 0
    while ms <= span_ms + 1e-9:
        tx = lay.left + ms * lay.scale
        out.append(f'<line class="grid" x1="{tx:.1f}" y1="{lay.top - 4}" '
                   f'x2="{tx:.1f}" y2="{y + 4}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{tx:.1f}" y="{y + 17}" '
                   f'text-anchor="middle">{ms:g}</text>')
        ms += step
    out.append(f'<text x="{lay.right}" y="{y + 32}" text-anchor="end" '
               'fill="#424242">time (ms)</text>')
    return out


def state_rows(lay):
    """Each row's label, then a rectangle per state span."""
    trace, out = lay.trace, []
    for task in trace.rows:
        y = lay.ypos[task.pid]
        out.append(f'<text class="row" x="{lay.left - 8:.1f}" '
                   f'y="{y + 4:.1f}" text-anchor="end">'
                   f'{escape(task.label)}</text>')
        for start, end, state in trace.clipped(task):
            w = max((end - start) * 1000 * lay.scale,
                    1 if state == RUN else 0)
            out.append(f'<rect class="span {state}" x="{lay.x(start):.2f}" '
                       f'y="{y - 7:.1f}" width="{w:.2f}" height="14" '
                       f'fill="{COLOUR[state]}"><title>'
                       f'{escape(task.label)}: {state} '
                       f'{trace.ms(start):.2f}-{trace.ms(end):.2f} ms'
                       '</title></rect>')
    return out


def holds(lay):
    """A bar under a row while its task is in a "span" marker's interval."""
    trace, out = lay.trace, []
    for start, end, pid in trace.holds:
        start, end = max(start, trace.begin), min(end, trace.end)
        if pid in lay.ypos and end > start:
            out.append(f'<rect class="hold" x="{lay.x(start):.2f}" '
                       f'y="{lay.ypos[pid] + 11:.1f}" '
                       f'width="{(end - start) * 1000 * lay.scale:.2f}" '
                       'height="3" fill="#212121"/>')
    return out


def marks(lay):
    """A triangle under a row for each event of the module."""
    out = []
    for t, pid, event, text in lay.trace.marks:
        if pid not in lay.ypos:
            continue
        mx, my = lay.x(t), lay.ypos[pid] + 8
        out.append(f'<path class="mark" d="M{mx:.2f},{my:.1f} '
                   f'l-4,7 h8 z" fill="{lay.mark_colour[event]}"><title>'
                   f'{escape(event)}: {escape(text)}</title></path>')
    return out


def wakes(lay):
    """An arrow from waker to woken; from above the row if the waker is
    not drawn."""
    out = []
    for t, waker, woken in lay.trace.wakes:
        if woken not in lay.ypos:
            continue
        wx, y2 = lay.x(t), lay.ypos[woken]
        if waker in lay.ypos:
            y1 = lay.ypos[waker]
            y2 += -7 if y2 > y1 else 7
            out.append(f'<line class="wake" x1="{wx:.2f}" y1="{y1:.1f}" '
                       f'x2="{wx:.2f}" y2="{y2:.1f}" stroke="#212121" '
                       'stroke-width="1.2" marker-end="url(#head)"/>')
        else:
            out.append(f'<line class="wake other" x1="{wx:.2f}" '
                       f'y1="{y2 - 17:.1f}" x2="{wx:.2f}" '
                       f'y2="{y2 - 7:.1f}" stroke="#757575" '
                       'stroke-width="1.2" marker-end="url(#grey)"/>')
    return out


def legend_items(lay):
    """(shape, text) pairs; the shape is a template placed by legend()."""
    seen = {state for task in lay.trace.rows
            for _, _, state in lay.trace.clipped(task)}
    items = [(f'<rect x="{{x}}" y="{{y}}" width="14" height="12" '
              f'fill="{colour}"/>', text) for state, colour, text in STATES
             if state not in RARE_STATES or state in seen]
    items.append(('<line x1="{x}" y1="{y6}" x2="{x24}" y2="{y6}" '
                  'stroke="#212121" stroke-width="1.2" '
                  'marker-end="url(#head)"/>',
                  'woken by the task it starts on'))
    items.append(('<line x1="{x12}" y1="{y}" x2="{x12}" y2="{y12}" '
                  'stroke="#757575" stroke-width="1.2" '
                  'marker-end="url(#grey)"/>',
                  'woken by an interrupt or another task'))
    what = lay.trace.markers.get('span', '').split(' ', 2)[2:]
    if what and lay.trace.holds:
        items.append(('<rect x="{x}" y="{y8}" width="24" height="3" '
                      'fill="#212121"/>', what[0]))
    for event, colour in lay.mark_colour.items():
        items.append((f'<path d="M{{x12}},{{y}} l-4,7 h8 z" '
                      f'fill="{colour}"/>', event))
    return items


def legend(lay, items):
    """The items laid out left to right, wrapped at the right edge; and
    the picture's height below them."""
    out, lx, ly = [], 10, lay.axis_y + 40
    for shape, text in items:
        w = 30 + text_width(text, lay.size)
        if lx + w > lay.width - 10 and lx > 10:
            lx, ly = 10, ly + 20
        out.append(shape.format(x=lx, y=ly, y6=ly + 6, y8=ly + 5,
                                y12=ly + 12, x12=lx + 12, x24=lx + 24))
        out.append(f'<text x="{lx + 30}" y="{ly + 11}">{escape(text)}'
                   '</text>')
        lx += w + 14
    return out, ly + 28


def document(lay, height, body):
    """The svg element around `body`: size, arrow heads, white ground."""
    width = lay.width
    heads = ''.join(
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
        for name, colour in ARROW_HEADS)
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="sans-serif" font-size="{lay.size}">',
            f'<defs>{heads}</defs>',
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    return '\n'.join(head + body + ['</svg>']) + '\n'
