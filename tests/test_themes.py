"""The light and dark themes are readable on a projector: WCAG contrast ratios from the config itself."""

from pathlib import Path

import pytest
import tomllib

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
WHITE = "#ffffff"  # the label of a primary button


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of an sRGB colour."""
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_knows_black_on_white_and_a_colour_on_itself():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#777777") == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_each_theme_keeps_text_and_controls_readable(name):
    theme = CONFIG["theme"][name]
    for background in (theme["backgroundColor"], theme["secondaryBackgroundColor"]):
        assert contrast(theme["textColor"], background) >= 7.0  # body text: WCAG AAA
        assert contrast(theme["linkColor"], background) >= 4.5
        assert contrast(theme["primaryColor"], background) >= 3.0  # sliders, toggles, focus rings
    assert contrast(WHITE, theme["primaryColor"]) >= 4.5  # a primary button's label


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_accent_is_not_red_which_means_an_error(name):
    red, green, blue = (int(CONFIG["theme"][name]["primaryColor"][i : i + 2], 16) for i in (1, 3, 5))
    assert blue > red


def test_students_get_the_viewer_toolbar_without_deploy_or_developer_menu():
    assert CONFIG["client"]["toolbarMode"] == "viewer"
