from __future__ import annotations

import gc
import threading

from pilotage.core import gcpause


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():  # nested: the inner pause leaves it to the outer one
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_on_after_an_error() -> None:
    try:
        with gcpause.paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_a_collector_found_off_is_left_off() -> None:
    gc.disable()
    try:
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_of_two_threads_never_leave_it_off() -> None:
    inside = threading.Barrier(2)
    first_done = threading.Event()

    def first() -> None:
        with gcpause.paused():
            inside.wait()
        first_done.set()

    def second() -> None:
        inside.wait()
        with gcpause.paused():
            first_done.wait()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert gc.isenabled()
