"""The till's type and controls grow with the screen: 1024×768 as drawn, 1920×1080 larger, never huge."""

from __future__ import annotations

from app.ui import theme


def test_a_1024x768_screen_or_smaller_is_drawn_as_designed() -> None:
    assert theme.scale_for(1024, 768) == 1.0
    assert theme.scale_for(800, 600) == 1.0


def test_a_full_hd_screen_scales_by_its_height() -> None:
    assert theme.scale_for(1920, 1080) == 1.4  # 1080 / 768, in steps of 0.05


def test_a_huge_screen_stops_at_the_largest_scale() -> None:
    assert theme.scale_for(3840, 2160) == theme.MAX_SCALE


def test_the_style_sheet_scales_every_pixel_size() -> None:
    big = theme.stylesheet(1.5)
    assert f"font-size: {round(theme.BASE_PX * 1.5)}px" in big
    assert "min-height: 96px" in big  # the Pay button's 64 px
    assert theme.stylesheet(1.0) == theme.STYLESHEET
