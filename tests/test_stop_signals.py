"""A stop signal wakes the waiting main thread at once, whichever thread the kernel gave it to.

Python runs signal handlers only in the main thread, when it next runs
Python code. A daemon waiting in `Event.wait()` whose SIGTERM went to a
scheduler thread therefore never woke (seen once in about forty stops on a
loaded machine). The programs below force that case: the main thread blocks
the signal, so only another thread can take it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent("""
    import os, signal, threading, time
    from rxmsg_tui.cli.stop_signals import StopSignals

    def taker(ready):  # the signal can only go to this thread: the main thread blocks it
        ready.set()
        time.sleep(60)

    ready = threading.Event()
    with StopSignals(signal.SIGUSR1) as stop:
        threading.Thread(target=taker, args=(ready,), daemon=True).start()
        ready.wait()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        started = time.monotonic()
        os.kill(os.getpid(), signal.SIGUSR1)
        woke = stop.event.wait(8)
        print(woke, round(time.monotonic() - started, 2), stop.received == signal.SIGUSR1)
    # Afterwards the previous handling is back: SIGUSR1's default ends the process.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
    print(signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL, signal.set_wakeup_fd(-1))
""")


def test_a_signal_taken_by_another_thread_wakes_the_main_thread_at_once() -> None:
    run = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         timeout=30, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    woke, seconds, named = run.stdout.splitlines()[0].split()
    assert (woke, named) == ("True", "True"), run.stdout
    assert float(seconds) < 2, run.stdout
    assert run.stdout.splitlines()[1] == "True -1", "handlers and wake-up descriptor restored"


def test_the_block_ends_quietly_when_no_signal_came() -> None:
    program = textwrap.dedent("""
        import signal, threading
        from rxmsg_tui.cli.stop_signals import StopSignals
        with StopSignals() as stop:
            assert not stop.event.wait(0.1)
        print(threading.active_count(), signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    """)
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         timeout=30, check=False)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "True"]  # no thread left behind; Ctrl-C as before
