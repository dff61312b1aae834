"""hub.reporting.period: what --since and --until mean."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hub.reporting.period import Period, PeriodError, parse_moment, period_from_options

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", NOW - timedelta(days=30)),
        ("7d", NOW - timedelta(days=7)),
        ("12h", NOW - timedelta(hours=12)),
        ("2w", NOW - timedelta(weeks=2)),
        ("now", NOW),
        ("2026-01-31", datetime(2026, 1, 31, tzinfo=UTC)),
        ("2026-01-31T08:15", datetime(2026, 1, 31, 8, 15, tzinfo=UTC)),
        (
            "2026-01-31T08:15+01:00",
            datetime(2026, 1, 31, 8, 15, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_since_accepts_spans_dates_and_date_times(text: str, expected: datetime) -> None:
    assert expected == parse_moment(text, option="--since", now=NOW)


def test_date_only_until_includes_that_whole_day() -> None:
    assert datetime(2026, 2, 1, tzinfo=UTC) == parse_moment(
        "2026-01-31", option="--until", now=NOW, end=True
    )


@pytest.mark.parametrize("text", ["3x", "yesterday", "2026-13-01", "-7d", ""])
def test_bad_value_names_the_option(text: str) -> None:
    with pytest.raises(PeriodError) as info:
        parse_moment(text, option="--since", now=NOW)

    assert "--since" == info.value.option
    assert str(info.value).startswith("--since: ")


def test_default_period_is_the_last_30_days() -> None:
    assert Period(NOW - timedelta(days=30), NOW) == period_from_options(None, None, now=NOW)


def test_default_since_is_30_days_before_a_given_until() -> None:
    p = period_from_options(None, "2026-01-31", now=NOW)

    assert Period(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)) == p


def test_since_after_until_is_an_error_naming_since() -> None:
    with pytest.raises(PeriodError, match=r"^--since: .* is not before --until"):
        period_from_options("2026-02-01", "2026-01-01", now=NOW)


def test_naive_period_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Period(datetime(2026, 1, 1), datetime(2026, 2, 1))
