"""The caps of ssoconsole.core.bounds, unit by unit (the live attacks are in test_bounded_fields.py)."""

from __future__ import annotations

import json
import logging

from ssoconsole.core import bounds


def test_a_cut_string_says_how_much_was_left_out():
    assert bounds.bound_text("x" * 10, 10) == "x" * 10
    assert bounds.bound_text("x" * 15, 10) == "x" * 10 + "… [5 more characters not kept]"


def test_lists_objects_and_nesting_are_bounded():
    data = {"many": list(range(500)), "deep": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}}
    kept = bounds.bound_data(data)
    assert len(kept["many"]) == bounds.ITEMS_MAX + 1 and kept["many"][-1].startswith("… 450")
    assert "nested too deeply" in json.dumps(kept)
    wide = bounds.bound_data({str(i): i for i in range(100)})
    assert len(wide) == bounds.ITEMS_MAX + 1


def test_audit_data_fits_the_total_even_when_every_field_is_at_its_cap():
    data = {f"k{i}": "v" * 5000 for i in range(49)}
    kept = bounds.bound_audit_data(data)
    assert len(json.dumps(kept, ensure_ascii=False).encode()) <= bounds.AUDIT_DATA_MAX
    assert set(kept) == set(data), "codes and keys survive; only the long values shrink"


def test_short_audit_data_is_kept_as_it_is():
    data = {"code": "saml.audience_mismatch", "expected": ["a"], "n": 3, "ok": True, "x": None}
    assert bounds.bound_audit_data(data) == data


def test_the_log_filter_cuts_a_long_message_and_keeps_short_ones():
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "v=%s", ("y" * 10_000,), None)
    assert bounds.BoundedLogMessages().filter(record)
    assert len(record.getMessage()) < bounds.LOG_MESSAGE_MAX + 60
    short = logging.LogRecord("t", logging.INFO, __file__, 1, "v=%s", ("y",), None)
    bounds.BoundedLogMessages().filter(short)
    assert short.getMessage() == "v=y"
