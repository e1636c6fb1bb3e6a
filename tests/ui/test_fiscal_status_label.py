"""The register's words in the status bar: elided at a whole word to the room there is, never cut off."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.ui.fiscal_desk import StatusLabel, _inline

SENTENCE = "Касса: в кассе закончилась бумага: вставьте новый рулон"


def test_a_long_warning_is_elided_at_a_word_and_kept_whole_in_the_tooltip(qapp: QApplication) -> None:
    label = StatusLabel()
    label.set_full_text(SENTENCE)
    label.show()  # a hidden widget gets its resize events only when shown
    assert label.minimumSizeHint().width() < label.sizeHint().width()  # the bar may shrink it
    label.resize(label.fontMetrics().horizontalAdvance("Касса: в кассе закончилась бума") + 4, 20)
    assert label.text() == "Касса: в кассе закончилась…"
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    assert (label.full_text(), label.toolTip()) == (SENTENCE, SENTENCE)
    label.resize(label.sizeHint())
    assert label.text() == SENTENCE
    label.setStyleSheet("padding: 0 10px; font-weight: bold")  # as the status bar pads and a warning is bold
    label.resize(label.sizeHint())
    assert label.text() == SENTENCE  # its size counts the padding and the bold letters
    label.close()


def test_the_sentence_after_kassa_goes_on_in_lower_case_unless_it_starts_with_an_abbreviation() -> None:
    assert _inline("В кассе закончилась бумага") == "в кассе закончилась бумага"
    assert _inline("Смена на кассе закрыта") == "смена на кассе закрыта"
    assert _inline("ОФД не подтвердил 30 дней") == "ОФД не подтвердил 30 дней"
    assert _inline("") == ""
