"""The parent the tests' Celery workers are forked from: a process that has imported the Celery app and every task
module once, so that a worker starts in a fraction of a second instead of importing the whole service again (2.3 s
of CPU, about seventy times a run).

Each worker is still the `celery worker` command, run in a child of this process: the child takes the environment
it is given (the test's extra variables among it), forgets the settings read so far, sends its output to its log
and runs Celery's own command line with the given arguments, in a session of its own (os.setsid), as the test's
subprocess was. What Python reads only as it starts (PYTHONPATH, a sitecustomize such as a moved clock's) is the
run's, not the test's, and so is what the Celery app took from the settings when this parent imported it: a child
whose own settings would configure it otherwise (another broker, another beat schedule file) refuses to start and
names the options (`import_time_differences`). This parent starts no thread and opens no connection before it forks.

Protocol (one JSON object per line on stdin): {"argv": [...], "env": {...}, "log": "/path"}; the answer is the
child's pid on a line of stdout. Children are reaped by the kernel (SIGCHLD ignored): a test sees a worker as gone
once its pid is.
"""

import importlib
import json
import os
import signal
import sys
import time
import traceback


def serve() -> None:
    from jobs import celery_app

    for module in celery_app.TASK_MODULES:
        importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run_worker(request["argv"], request["env"], request["log"])
        print(pid, flush=True)


def run_worker(argv: list[str], env: dict[str, str], log: str) -> None:
    """In the child: become the worker command, never return to the parent's loop."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the worker waits on its own pool's children
    output = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    from service.config import get_settings

    get_settings.cache_clear()
    if stale := import_time_differences():
        print(f"the worker's Celery app was configured before its test's settings and differs in: {stale}")
        os._exit(1)
    from celery.bin.celery import main

    sys.argv = argv
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:
        traceback.print_exc()  # into the worker's log, which the test shows when the worker does not start
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def import_time_differences() -> list[str]:
    """The options the Celery app took from the settings at import that the settings read now would set otherwise."""
    from jobs.celery_app import app, make_celery
    from service.broker import broker_options
    from service.config import get_settings

    fresh = make_celery(get_settings()).conf
    options = [*broker_options(get_settings()), "beat_schedule_filename"]
    return [option for option in options if app.conf[option] != fresh[option]]


if __name__ == "__main__":
    serve()
