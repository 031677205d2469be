# SPDX-License-Identifier: GPL-2.0
"""ftrace text (cat /sys/kernel/tracing/trace) read into events.

events(path) yields one Event per event line, with the fields of the
scheduler's events and of trace markers already taken apart. Text that is
not ftrace, that lost events, that runs backwards in time or has a line
that is no event is refused with a TraceError that names the line.
"""

import re
from collections import namedtuple

LINE = re.compile(r'^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+(?:\(\s*[\d-]+\)\s+)?'
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
MARKER = 'waitq-trace: '

# One event line. `args` holds the fields of the events the task model
# reads: a Switch, a Task (the woken or forked task), a Marker, or None.
Event = namedtuple('Event', 'number text t pid comm flags name body args')
Switch = namedtuple('Switch', 'prev_pid prev_comm prev_state '
                              'next_pid next_comm')
Task = namedtuple('Task', 'pid comm')
Marker = namedtuple('Marker', 'key value')


class TraceError(Exception):
    """What is wrong with a trace, said so that its author can act on it."""


def at_line(number, text, error):
    """`error`, found on line `number` (`text`), with the line named."""
    return TraceError(f'line {number}: {error}: {text[:100]!r}')


def read_lines(path):
    try:
        with open(path, encoding='utf-8') as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise TraceError(f'cannot read it: {e}') from None
    if not lines or not lines[0].startswith('# tracer:'):
        raise TraceError('not ftrace text: the first line is not '
                         '"# tracer: ..." (cat /sys/kernel/tracing/trace)')
    return lines


def events(path):
    """The trace's events, in order."""
    last = None
    for number, text in enumerate(read_lines(path), 1):
        try:
            event = parse_line(number, text)
            if event is None:
                continue
            if last is not None and event.t < last - 1e-6:
                raise TraceError('time runs backwards')
        except TraceError as e:
            raise at_line(number, text, e) from None
        last = event.t
        yield event


def parse_line(number, text):
    """The Event on a line, or None for a comment or a blank line."""
    lost = LOST.match(text)
    if lost and int(lost.group(1)) < int(lost.group(2)):
        raise TraceError(f'the ring buffer lost '
                         f'{int(lost.group(2)) - int(lost.group(1))} '
                         f'events (raise buffer_size_kb)')
    if not text.strip() or text.startswith('#'):
        return None
    m = LINE.match(text)
    if not m:
        raise TraceError('not an ftrace event line')
    name, body = m['event'], m['body']
    return Event(number, text, float(m['ts']), int(m['pid']), m['comm'],
                 m['flags'] or '....', name, body, parse_body(name, body))


def parse_body(name, body):
    """The fields of an event the task model reads."""
    if name == 'sched_switch':
        s = match(SWITCH, body, 'a sched_switch event without prev_ and '
                  'next_ fields')
        return Switch(int(s['ppid']), s['pcomm'], s['pstate'],
                      int(s['npid']), s['ncomm'])
    if name in ('sched_waking', 'sched_wakeup'):
        w = match(WAKE, body, f'a {name} event without comm= pid=')
        return Task(int(w['pid']), w['comm'])
    if name == 'sched_process_fork':
        f = match(FORK, body, 'a sched_process_fork event without '
                  'child_pid=')
        return Task(int(f['pid']), f['comm'])
    if name == 'sched_process_exit':
        match(EXIT, body, 'a sched_process_exit event without pid=')
    elif name == 'tracing_mark_write' and body.startswith(MARKER):
        key, _, value = body[len(MARKER):].partition(' ')
        return Marker(key, value)
    return None


def match(pattern, body, error):
    m = pattern.match(body)
    if not m:
        raise TraceError(error)
    return m
