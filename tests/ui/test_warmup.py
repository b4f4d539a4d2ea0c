"""The server's start-up settings: a bad DLP_CPU_SLOTS is reported and the default kept, never a crash."""

import logging

import pytest

from ui.warmup import cpu_places, ray_cluster_argument


@pytest.mark.parametrize("setting, places", [(None, 2), ("", 2), ("1", 1), ("10", 10)])
def test_cpu_places_come_from_the_setting_or_the_default(setting, places):
    assert cpu_places(setting, default=2) == places


@pytest.mark.parametrize("setting", ["0", "-3", "two", "1.5", "nan"])
def test_a_bad_setting_keeps_the_default_and_says_why(setting, caplog):
    with caplog.at_level(logging.WARNING):
        assert cpu_places(setting, default=2) == 2
    assert f"DLP_CPU_SLOTS={setting!r}" in caplog.text and "keeping 2" in caplog.text


@pytest.mark.parametrize(
    "argv, address",
    [
        ([], None),
        (["--ray", "auto"], "auto"),
        (["--teacher-password", "x", "--ray", "ray://head:10001"], "ray://head:10001"),
    ],
)
def test_the_ray_cluster_comes_from_the_apps_command_line(argv, address):
    assert ray_cluster_argument(argv) == address
