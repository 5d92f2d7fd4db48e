"""ganimation.faces.parallel: passes side by side, results in the one-by-one order."""

import threading
import time

import pytest

from ganimation.faces.parallel import PassPool, default_workers, in_order


def _pool(workers: int) -> PassPool:
    made = []

    def make():
        made.append(object())
        return made[-1]

    return PassPool("first", make, lambda pair: None, workers)


def _search(items, workers: int, *, apart=lambda a, b: True, delay=0.0):
    """A search like the proposals' loop: an item is skipped when an earlier committed item 'covers'
    it (its value within 2 of one found), and a run 'finds' the item's value and value + 1."""
    found: list[int] = []
    ran: list[int] = []
    lock = threading.Lock()

    def run(pair, item):
        with lock:
            ran.append(item)
        time.sleep(delay)
        return [item, item + 1]

    pool = _pool(workers)
    try:
        in_order(items, skip=lambda item: any(abs(item - f) <= 2 for f in found), run=run,
                 commit=lambda item, result: found.extend(result), pool=pool, apart=apart)
    finally:
        pool.close()
    return found, ran


@pytest.mark.parametrize("items", [[0, 1, 5, 6, 7, 20, 21, 40], [3, 3, 3], [], [10, 0, 11, 1, 30]])
def test_in_order_gives_the_one_by_one_result(items):
    one, ran_one = _search(items, 1)
    # the loop written out
    expected = []
    for item in items:
        if not any(abs(item - f) <= 2 for f in expected):
            expected.extend([item, item + 1])
    assert one == expected
    two, ran_two = _search(items, 2, delay=0.002)
    assert two == expected
    assert len(ran_two) >= len(ran_one)       # early runs may be thrown away, never missed


def test_in_order_starts_only_items_apart_from_the_one_before():
    """apart() rules out early runs likely to be thrown away: none are, here."""
    items = [0, 1, 2, 10, 11, 12, 30]
    _, ran = _search(items, 2, apart=lambda a, b: abs(a - b) > 5, delay=0.002)
    assert sorted(ran) == [0, 10, 30]


def test_one_worker_runs_on_the_callers_thread_with_the_first_pair():
    pool = _pool(1)
    seen = []
    assert pool.submit(lambda pair, x: seen.append((pair, threading.current_thread())) or x, 7).result() == 7
    assert seen == [("first", threading.current_thread())]
    with pytest.raises(ValueError):
        pool.submit(lambda pair: (_ for _ in ()).throw(ValueError("bad"))).result()


def test_two_workers_make_one_more_pair_and_run_side_by_side():
    pool = _pool(2)
    barrier = threading.Barrier(2, timeout=5)     # both calls must be inside at once
    try:
        pairs = pool.map(lambda pair, _: barrier.wait() is not None and pair, [0, 1])
    finally:
        pool.close()
    assert len(set(map(id, pairs))) == 2 and "first" in pairs


def test_default_workers_honours_the_environment(monkeypatch):
    monkeypatch.setenv("GANIMATION_FACE_WORKERS", "1")
    assert default_workers() == 1
    monkeypatch.setenv("GANIMATION_FACE_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.delenv("GANIMATION_FACE_WORKERS")
    assert default_workers() in (1, 2)


def test_a_pair_that_cannot_be_made_is_an_error_of_that_call_only():
    calls = []

    def make():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("cannot load the model")
        return "second"

    pool = PassPool("first", make, lambda pair: None, 2)
    gate = threading.Event()
    try:
        busy = pool.submit(lambda pair: gate.wait(5) and pair)          # holds the first pair
        with pytest.raises(RuntimeError):
            pool.submit(lambda pair: pair).result()                     # needs a second: cannot be made
        assert pool.submit(lambda pair: pair).result() == "second"      # made on the next try
        gate.set()
        assert busy.result() == "first"
    finally:
        gate.set()
        pool.close()
