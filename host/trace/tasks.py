# SPDX-License-Identifier: GPL-2.0
"""The tasks of a guest/trace/scenarios.sh trace, from its ftrace events.

Trace(path) follows every task's state over time (running, runnable, asleep
in S or D) as spans, records each wake-up (and who woke), each event of the
module and each "span" marker's interval, counts spurious wake-ups (woken,
then asleep again with no event of the module in between), checks the
scenario's markers and sets the picture's window: from shortly before the
first of the scenario's tasks exists to shortly after the last has exited.
"""

import re

from ftrace import TraceError, at_line, events

RUN, READY, SLEEP_S, SLEEP_D, SLEEP_I = 'run', 'ready', 'S', 'D', 'I'
ASLEEP = (SLEEP_S, SLEEP_D, SLEEP_I)


def after_switch_out(state):
    """The state a task leaves the CPU in, from sched_switch's prev_state."""
    if state.startswith('R'):
        return READY
    if state.startswith('D'):
        return SLEEP_D
    if state.startswith('I'):
        return SLEEP_I  # TASK_IDLE: D that is neither load nor hung
    if state[0] in 'XZ':
        return None
    return SLEEP_S  # S, T, t, P


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
        self.events = {}  # module event: how many

    @property
    def label(self):
        return f'{self.comms[-1]} {self.pid}'

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
        self.markers = {}  # "waitq-trace: KEY VALUE" markers: the first
        self.begin = self.end = None  # the window, in seconds
        self.tasks = {}  # pid: Task
        self.wakes = []  # (t, waker pid or None, woken pid)
        self.marks = []  # (t, pid, event, body): the module's events
        self.holds = []  # (start, end, pid): between a "span" marker's events
        self.open = {}  # pid: when its span began
        self.last = None  # the last event's time
        for event in events(path):
            try:
                self.take(event)
            except TraceError as e:
                raise at_line(event.number, event.text, e) from None
        self.finish()
        self.rows = self.scenario_tasks()
        self.fit_window()

    def task(self, pid, comm=None):
        task = self.tasks.setdefault(pid, Task(pid))
        task.name(comm)
        return task

    def counting(self):
        """Between the begin and end markers."""
        return self.begin is not None and self.end is None

    def take(self, event):
        self.last = event.t
        if event.pid:
            self.task(event.pid, event.comm)
        handler = {'sched_switch': self.switch,
                   'sched_waking': self.waking,
                   'sched_wakeup': self.wakeup,
                   'sched_process_fork': self.fork,
                   'tracing_mark_write': self.marker}.get(event.name)
        if handler:
            handler(event)
        elif not event.name.startswith('sched_') and event.pid:
            self.module_event(event)

    def switch(self, event):
        s = event.args
        if s.prev_pid:
            task = self.task(s.prev_pid, s.prev_comm)
            state = after_switch_out(s.prev_state)
            if state in ASLEEP and task.pending and self.counting():
                task.spurious += 1
            if state in ASLEEP:
                task.pending = False
            task.enter(event.t, state, before=RUN)
        if s.next_pid:
            self.task(s.next_pid, s.next_comm).enter(event.t, RUN,
                                                     before=READY)

    def waking(self, event):
        woken = self.task(event.args.pid, event.args.comm)
        # In an interrupt (hardirq, softirq: a timer, an IPI) the task on
        # the CPU is not the one that wakes.
        waker = event.pid if event.pid and event.flags[2] == '.' else None
        if self.counting():
            self.wakes.append((event.t, waker, woken.pid))
            woken.woken += 1
            # A new kthread sleeps as "kthreadd" until it is started: that
            # first wake-up starts its work, it is not one to wait for.
            woken.pending = woken.comms[:1] != ['kthreadd'] or woken.started
            woken.started = True
        self.wakeup(event)

    def wakeup(self, event):
        woken = self.task(event.args.pid, event.args.comm)
        if woken.state in ASLEEP + (None,):
            woken.enter(event.t, READY, before=SLEEP_S)

    def fork(self, event):
        child = self.task(event.args.pid, event.args.comm)
        if child.state is None:
            child.enter(event.t, READY)

    def marker(self, event):
        if event.args is None:
            return
        key, value = event.args
        if key == 'begin':
            self.begin = event.t
        elif key == 'end':
            if self.begin is None:
                raise TraceError('"end" before "begin"')
            self.end = event.t
        else:
            self.markers.setdefault(key, value)

    def module_event(self, event):
        task = self.task(event.pid)
        if self.counting():
            self.marks.append((event.t, event.pid, event.name, event.body))
            task.events[event.name] = task.events.get(event.name, 0) + 1
        task.pending = False
        self.span(event.t, event.pid, event.name)

    def span(self, t, pid, name):
        """`waitq-trace: span FIRST LAST WHAT`: a task is in WHAT from its
        event FIRST to its next event LAST (e.g. holds /proc/sleep)."""
        first, _, rest = self.markers.get('span', '').partition(' ')
        last = rest.partition(' ')[0]
        if name == first and pid not in self.open:
            self.open[pid] = t
        elif name == last and pid in self.open:
            self.holds.append((self.open.pop(pid), t, pid))

    def finish(self):
        """Check the scenario's markers; end what is still open."""
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

    def scenario_tasks(self):
        """The tasks the "tasks" marker names, in the order they were
        created."""
        rows = [task for pid, task in sorted(self.tasks.items())
                if any(self.pattern.search(c) for c in task.comms)]
        if not rows:
            raise TraceError(f'no task matches the tasks marker '
                             f'{self.markers["tasks"]!r}')
        return rows

    def fit_window(self):
        """Start shortly before the first of the scenario's tasks exists;
        end shortly after the last has exited."""
        starts = [start for task in self.rows for start, _, state in
                  task.spans if state is not None]
        pad = (self.end - self.begin) * 0.02
        if starts and None not in starts:
            self.begin = max(self.begin, min(starts) - pad)
        if all(task.state is None for task in self.rows):
            last = max(end for task in self.rows for _, end, _ in task.spans)
            self.end = max(self.begin + pad, min(self.end, last + pad))

    def clipped(self, task):
        """The task's state spans inside the window, states known only."""
        for start, end, state in task.spans:
            start = self.begin if start is None else max(start, self.begin)
            end = min(end, self.end)
            if state is not None and end > start:
                yield start, end, state

    def ms(self, t):
        """Milliseconds from the window's start."""
        return (t - self.begin) * 1000

    def summary(self):
        """Per task: wake-ups, spurious ones, time asleep, module events."""
        out = [f'{self.markers["scenario"]} on '
               f'{self.markers.get("kernel", "?")}: '
               f'{self.markers.get("params", "")} '
               f'({self.ms(self.end):.1f} ms)',
               f'  {"task":<22} {"woken":>5} {"spurious":>8} '
               f'{"asleep ms":>9}  module events']
        for task in self.rows:
            asleep = sum(end - start for start, end, state
                         in self.clipped(task) if state in ASLEEP) * 1000
            counts = ', '.join(f'{e} x{n}'
                               for e, n in sorted(task.events.items()))
            out.append(f'  {task.label:<22} {task.woken:>5} '
                       f'{task.spurious:>8} {asleep:>9.1f}  '
                       f'{counts or "-"}')
        return '\n'.join(out)
