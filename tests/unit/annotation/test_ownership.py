"""A warehouse's identity is created once and read back on every run; its labelling lock lets
one run at a time through and says who holds it."""

from __future__ import annotations

import threading
import time

import pytest

from annotation.ownership import (
    IDENTITY,
    IDENTITY_FILE,
    OwnershipError,
    short_id,
    warehouse_id,
    warehouse_lock,
)
from annotation.projects import PROJECTS
from assets.lake import Lake


def test_when_asked_twice_then_the_identity_is_the_same_and_stored(tmp_path):
    first = warehouse_id(Lake.at(str(tmp_path / "w")))
    again = warehouse_id(Lake.at(str(tmp_path / "w")))  # a rerun: a new process, same folder
    assert first == again and IDENTITY.match(first)
    assert (tmp_path / "w" / IDENTITY_FILE).read_text().strip() == first
    assert warehouse_id(Lake.at(str(tmp_path / "other"))) != first


def test_when_eight_first_runs_race_then_they_agree_on_one_identity(tmp_path):
    lake = Lake.at(str(tmp_path / "w"))
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(warehouse_id(lake))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and len(set(seen)) == 1


def test_when_the_identity_file_is_damaged_then_a_clear_error_names_it(tmp_path):
    (tmp_path / IDENTITY_FILE).write_text("garbage\n")
    with pytest.raises(OwnershipError, match=IDENTITY_FILE):
        warehouse_id(Lake.at(str(tmp_path)))


def test_when_the_lock_is_held_then_another_run_waits_and_then_is_told_who_holds_it(tmp_path):
    lake = Lake.at(str(tmp_path))
    with warehouse_lock(lake):
        began = time.monotonic()
        with pytest.raises(OwnershipError, match="labelstudio.lock"):
            with warehouse_lock(lake, timeout=0.3):
                pass
        assert time.monotonic() - began >= 0.3
    with warehouse_lock(lake, timeout=0.3):  # released: the next run goes through
        pass


def test_when_two_threads_take_the_lock_then_their_blocks_never_overlap(tmp_path):
    lake = Lake.at(str(tmp_path))
    inside: list[int] = []
    overlaps: list[int] = []

    def work() -> None:
        with warehouse_lock(lake, timeout=10):
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []


@pytest.mark.parametrize("key", sorted(PROJECTS))
def test_when_titles_carry_the_warehouse_then_they_fit_label_studio(key):
    owner = "wh_0123456789abcdef"
    title = PROJECTS[key].owned_title(owner)
    assert title.endswith(f"({short_id(owner)})") and len(title) <= 50
    assert f"warehouse_id: {owner}" in PROJECTS[key].settings(owner)["description"]
