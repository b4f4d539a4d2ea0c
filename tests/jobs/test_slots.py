"""The device's places, shared in turns: first come first served, never more at once than there are."""

import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.jobs.slots import Slots


def never() -> bool:
    return False


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.002)


class Worker(threading.Thread):
    """Runs `script(slots, log, name)` on its own thread, as a training thread would."""

    def __init__(self, slots, log, name, script):
        super().__init__(daemon=True)
        self.slots, self.log, self.label, self.script = slots, log, name, script
        self.go_on = threading.Event()

    def run(self):
        self.script(self)


def hold_until_told(worker):
    assert worker.slots.acquire(never)
    worker.log.append(worker.label)
    worker.go_on.wait(10)
    worker.slots.release()


def test_a_freed_place_goes_to_the_first_in_line():
    slots, log = Slots(1, turn_s=3600), []
    workers = [Worker(slots, log, name, hold_until_told) for name in "abc"]
    workers[0].start()
    wait_until(lambda: log == ["a"])
    for waiting, worker in enumerate(workers[1:], 1):  # b, then c, join the line behind a
        worker.start()
        wait_until(lambda waiting=waiting: len(slots._line) == waiting)
    for worker in workers:
        wait_until(lambda worker=worker: worker.label in log)
        worker.go_on.set()
        worker.join(10)
    assert log == ["a", "b", "c"]


def test_a_turn_passes_only_when_it_is_over_and_someone_waits():
    slots = Slots(1, turn_s=3600)
    assert slots.acquire(never)
    assert slots.pass_turn(never) and slots._free == 0  # nobody waits: keeps its place
    slots.turn_s = 0.0
    assert slots.pass_turn(never) and slots._free == 0  # still nobody: keeps it, no wait
    slots.release()
    assert slots._free == 1


def test_passing_a_turn_goes_to_the_back_of_the_line():
    slots, log = Slots(1, turn_s=0.0), []

    def take_two_turns(worker):
        assert worker.slots.acquire(never)
        worker.log.append(worker.label)
        worker.go_on.wait(10)
        assert worker.slots.pass_turn(never)
        worker.log.append(worker.label)
        worker.slots.release()

    a, b = Worker(slots, log, "a", take_two_turns), Worker(slots, log, "b", hold_until_told)
    a.start()
    wait_until(lambda: log == ["a"])
    b.start()
    wait_until(lambda: len(slots._line) == 1)
    a.go_on.set()  # a's turn is over and b waits: b goes first, then a again
    wait_until(lambda: log == ["a", "b"])
    b.go_on.set()
    a.join(10), b.join(10)
    assert log == ["a", "b", "a"]


def test_a_stop_while_waiting_leaves_the_line_and_lets_the_next_one_go():
    slots, log = Slots(1, turn_s=3600), []
    stop = threading.Event()
    assert slots.acquire(never)
    results = []
    waiting = threading.Thread(target=lambda: results.append(slots.acquire(stop.is_set)), daemon=True)
    waiting.start()
    behind = Worker(slots, log, "behind", hold_until_told)
    wait_until(lambda: len(slots._line) == 1)
    behind.start()
    wait_until(lambda: len(slots._line) == 2)
    stop.set()
    waiting.join(10)
    assert results == [False] and len(slots._line) == 1
    slots.release()
    wait_until(lambda: log == ["behind"])
    behind.go_on.set()
    behind.join(10)
    assert slots._free == 1


@settings(max_examples=15, deadline=None)
@given(size=st.integers(1, 3), threads=st.integers(1, 6), turns=st.integers(1, 20))
def test_never_more_at_once_than_places_and_every_thread_gets_its_turns(size, threads, turns):
    slots = Slots(size, turn_s=0.0)
    lock, holding, most, done = threading.Lock(), [0], [0], []

    def train(name):
        assert slots.acquire(never)
        for _ in range(turns):
            with lock:
                holding[0] += 1
                most[0] = max(most[0], holding[0])
            time.sleep(0.0005)  # a step
            with lock:
                holding[0] -= 1
            assert slots.pass_turn(never)
        slots.release()
        done.append(name)

    workers = [threading.Thread(target=train, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(done) == list(range(threads))
    assert most[0] <= size
    assert slots._free == size and not slots._line
