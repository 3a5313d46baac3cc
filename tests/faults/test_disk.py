"""A full disk in the middle of a harvest, under the run's state or under the store itself: the
run fails with a clear error, the previous graph stays whole and queryable (read-only at once;
writable again once there is room), and ``--resume`` then reaches the complete graph.

Two ways to fill it: a real tiny filesystem (tmpfs, when this machine lets the tests mount one)
and a file-size limit on the harvest process (``RLIMIT_FSIZE``: writes past it fail with EFBIG,
as they fail with ENOSPC on a full disk; works everywhere)."""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pancommons.store.embedded import EmbeddedStore
from tests.faults.world import World, assert_complete, assert_intact
from tests.test_cli import EXE, run


def harvest_limited(world: World, limit: int) -> subprocess.CompletedProcess[str]:
    """``pancommons harvest`` that may write no file beyond ``limit`` bytes."""

    def limit_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [EXE, "--store", str(world.store_path), "harvest", str(world.toml())],
        env=world.env(),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_files,
    )


@pytest.mark.parametrize("limit", [20_000, 80_000])
def test_file_size_limit_mid_run(world: World, expected: dict[str, set[str]], limit: int) -> None:
    failed = harvest_limited(world, limit)
    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr
    assert "File too large" in failed.stderr or "No space" in failed.stderr, failed.stderr
    with EmbeddedStore(world.store_path) as store:
        assert_intact(store, expected["first"])
    resumed = run("harvest", str(world.toml()), "--resume", store=world.store_path, env=world.env())
    assert resumed.returncode == 0, resumed.stderr
    with EmbeddedStore(world.store_path) as store:
        assert_complete(store, expected["second"])


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 96 KiB tmpfs (needs root and mount rights, as in CI)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_state_directory_on_a_full_filesystem(
    world: World, expected: dict[str, set[str]], tiny_disk: Path
) -> None:
    env = {**world.env(), "PANCOMMONS_STATE": str(tiny_disk / "state")}
    failed = run("harvest", str(world.toml()), store=world.store_path, env=env)
    assert failed.returncode != 0
    assert "No space left on device" in failed.stderr, failed.stderr
    assert "Traceback" not in failed.stderr
    with EmbeddedStore(world.store_path) as store:
        assert_intact(store, expected["first"])
    # Room again: move the run's state to a roomy disk and resume it there.
    roomy = world.tmp / "roomy-state"
    shutil.copytree(tiny_disk / "state", roomy)
    env["PANCOMMONS_STATE"] = str(roomy)
    resumed = run("harvest", str(world.toml()), "--resume", store=world.store_path, env=env)
    assert resumed.returncode == 0, resumed.stderr
    with EmbeddedStore(world.store_path) as store:
        assert_complete(store, expected["second"])


def test_store_on_a_full_filesystem(
    world: World, expected: dict[str, set[str]], tmp_path: Path
) -> None:
    """The store itself runs out of room while the new graph is loaded: the store refuses the
    write, the run fails, and the store (reopened) still holds the previous graph whole."""
    size = sum(
        -(-f.stat().st_size // 4096) * 4096 for f in world.store_path.rglob("*") if f.is_file()
    )
    mount = tmp_path / "store-disk"
    mount.mkdir()
    room = size + 48 * 1024  # the store fits, the new graph's load does not
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={room}", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        shutil.copytree(world.store_path, mount / "store")
        failed = run("harvest", str(world.toml()), store=mount / "store", env=world.env())
        assert failed.returncode != 0
        assert "No space left on device" in failed.stderr, failed.stderr
        assert "Traceback" not in failed.stderr
        with EmbeddedStore(mount / "store", read_only=True) as store:  # readers go on
            assert_intact(store, expected["first"])
        grown = subprocess.run(["mount", "-o", "remount,size=64m", str(mount)], check=False)
        assert grown.returncode == 0
        with EmbeddedStore(mount / "store") as store:  # room again: writable, nothing lost
            assert_intact(store, expected["first"])
        resumed = run(
            "harvest", str(world.toml()), "--resume", store=mount / "store", env=world.env()
        )
        assert resumed.returncode == 0, resumed.stderr
        with EmbeddedStore(mount / "store") as store:
            assert_complete(store, expected["second"])
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
