"""A face search's landmarker passes on more than one core, with the one-by-one result.

MediaPipe runs one pass of its face landmarker on one core, and a search
for the faces of a group photo is a loop of such passes, one per crop
around a proposed face (:mod:`ganimation.faces.detect`). Each landmarker
instance has its own native worker thread, so two instances run side by
side. :class:`PassPool` keeps one landmarker-and-detector pair per worker
(the first is the detector's own, the others made when first needed), and
:func:`in_order` runs a search's loop with the next items' passes started
early on the free workers while the results are taken in the loop's order,
each item checked again before its result is used: the outcome is the one
the loop gives run item by item.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

#: how many items beyond the one whose result is next a search starts early
AHEAD = 1


def default_workers() -> int:
    """Landmarker passes a search runs at once: 2 where the process may use two cores or more, else 1.

    Measured on these 2 cores (wild_dev's 36_2008_004176, 8 crops of a group photo): 319 ms one by one,
    216 ms on two instances side by side. ``GANIMATION_FACE_WORKERS`` overrides it (1 turns it off).
    """
    env = os.environ.get("GANIMATION_FACE_WORKERS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


class PassPool:
    """``workers`` threads, each running ``fn(pair, *args)`` on a free landmarker-and-detector ``pair``.

    ``first`` is the pair the caller made already; ``make()`` makes another, on a worker thread, the
    first time every pair is busy (at most ``workers`` pairs in all). :meth:`close` closes the
    pairs it made (``close_pair(pair)``) and stops the threads.
    """

    def __init__(self, first: Any, make: Callable[[], Any], close_pair: Callable[[Any], None], workers: int):
        self.workers = max(1, int(workers))
        self._make, self._close_pair = make, close_pair
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        self._free.put(first)
        self._made: list[Any] = []      # the pairs made here (closed by close())
        self._pairs = 1                   # pairs made or being made, the first included
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def _pair(self) -> Any:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            make = self._pairs < self.workers
            self._pairs += make
        if not make:
            return self._free.get()
        try:
            pair = self._make()
        except BaseException:
            with self._lock:
                self._pairs -= 1          # a later call may try again
            raise
        with self._lock:
            self._made.append(pair)
        return pair

    def _call(self, fn: Callable[..., T], *args) -> T:
        pair = self._pair()
        try:
            return fn(pair, *args)
        finally:
            self._free.put(pair)

    def submit(self, fn: Callable[..., T], *args) -> Future:
        """``fn(pair, *args)`` on a worker (a finished future at once when there is one worker)."""
        if self.workers == 1:
            done: Future = Future()
            try:
                done.set_result(self._call(fn, *args))
            except BaseException as exc:   # noqa: BLE001 - handed to the caller through the future
                done.set_exception(exc)
            return done
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="face-search")
        return self._executor.submit(self._call, fn, *args)

    def map(self, fn: Callable[..., T], items: Iterable) -> list[T]:
        """``[fn(pair, item) for item in items]``, the calls spread over the workers."""
        return [f.result() for f in [self.submit(fn, item) for item in items]]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        for pair in self._made:
            self._close_pair(pair)
        self._made = []
        self._pairs = 1


def in_order(items: Iterable, *, skip: Callable[[Any], bool], run: Callable[..., Any],
             commit: Callable[[Any, Any], None], pool: PassPool,
             apart: Callable[[Any, Any], bool] = lambda a, b: True, ahead: int = AHEAD) -> None:
    """``for item in items: if not skip(item): commit(item, run(pair, item))``, with passes side by side.

    While the next item's ``run`` works, up to ``ahead`` later items start theirs on the pool's other
    workers: the first later items ``skip`` keeps now that are ``apart`` from every kept item before
    them (``apart(a, b)``: whether ``a``'s result is unlikely to make ``b`` skipped; a guess that
    only saves work). Results are committed in order, each item checked by ``skip`` first; an early
    run whose item is then skipped is thrown away. The outcome is the one-by-one loop's when ``skip``
    turns only from False to True as items are committed and ``run``'s result depends on its item
    alone.
    """
    items = list(items)
    started: dict[int, Future] = {}
    try:
        for i, item in enumerate(items):
            if skip(item):
                f = started.pop(i, None)
                if f is not None:
                    f.cancel()
                continue
            if i not in started:
                started[i] = pool.submit(run, item)
            if pool.workers > 1:
                _start_ahead(items, i, started, skip, run, pool, apart, ahead)
            commit(item, started.pop(i).result())
    finally:
        for f in started.values():   # early runs left over (their items skipped): let them finish
            if not f.cancel():
                f.exception()


def _start_ahead(items: list, i: int, started: dict[int, Future], skip, run, pool: PassPool, apart,
                 ahead: int) -> None:
    """Start the passes of up to ``ahead`` items after ``i`` (see :func:`in_order`)."""
    before = [items[i]]
    for j in range(i + 1, len(items)):
        if sum(k > i for k in started) >= ahead:
            return
        if skip(items[j]):
            continue
        if j not in started and all(apart(a, items[j]) for a in before):
            started[j] = pool.submit(run, items[j])
        before.append(items[j])
