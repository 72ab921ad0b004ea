"""Activity marts (analyses B, C and D) against the planted truth of the demo data, and
the Welch's t-test of dwell times against scipy's own."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

import pytest
from scipy import stats

from access_analytics import dwell, warehouse
from conftest import run_cli

Demo = tuple[warehouse.Settings, dict[str, object]]
MAX_FALSE_FLAG_USER_SHARE = 0.05


def test_two_place_sharing_is_found_and_network_switches_are_not(demo_warehouse: Demo) -> None:
    """Every planted day of two people on one login in two cities is found, with its two
    places, and nothing else: no single switch, no phone on a cellular network beside a
    campus laptop, no regular student."""
    demo, truth = demo_warehouse
    planted = {
        (item["user_id"], date.fromisoformat(day)): ", ".join(places)
        for item in truth["two_place_sharing"]
        for day, places in item["places"].items()
    }
    innocent = {item["user_id"] for item in truth["network_switches"]}
    with warehouse.connect(demo) as conn:
        found = {
            (user, day): (places, devices, overlap)
            for user, day, places, devices, overlap in conn.execute(
                "select user_id, activity_date, place_blocks_16, device_classes,"
                " overlap_minutes from marts.shared_account_days"
            )
        }
        accounts = dict(conn.execute("select user_id, shared_days from marts.shared_accounts"))
    print(
        f"two-place sharing: planted {len(planted)} days of {len(truth['two_place_sharing'])}"
        f" accounts, found {len(found)} days of {len(accounts)} accounts; innocent"
        f" accounts flagged: {len(innocent & set(accounts))} of {len(innocent)}"
    )
    assert set(found) == set(planted)
    for key, places in planted.items():
        assert found[key][:2] == (places, "desktop"), key
        assert found[key][2] >= 40, key
    assert not innocent & set(accounts)
    assert accounts == dict(Counter(user for user, _ in planted))


def test_planted_heavy_usage_days_are_flagged_with_few_false_flags(demo_warehouse: Demo) -> None:
    demo, truth = demo_warehouse
    planted = {
        (item["user_id"], date.fromisoformat(item["date"])) for item in truth["heavy_usage_days"]
    }
    with warehouse.connect(demo) as conn:
        flagged = set(
            conn.execute(
                "select user_id, activity_date from marts.user_daily_anomalies where is_anomaly"
            )
        )
        with_history = {
            user
            for (user,) in conn.execute(
                "select distinct user_id from marts.user_daily_anomalies where has_min_history"
            )
        }
    assert planted <= flagged, sorted(planted - flagged)
    false_flags = flagged - planted
    users_with_false_flags = {user for user, _ in false_flags} & with_history
    share = len(users_with_false_flags) / len(with_history)
    precision = len(planted & flagged) / len(flagged)
    print(
        f"heavy-usage days: recall {len(planted & flagged)}/{len(planted)}, users with a"
        f" false flag {len(users_with_false_flags)}/{len(with_history)} ({share:.1%}),"
        f" precision {precision:.0%} ({len(planted & flagged)}/{len(flagged)} flags)"
    )
    assert share <= MAX_FALSE_FLAG_USER_SHARE, sorted(users_with_false_flags)


def test_activity_marts_are_consistent_on_the_demo(demo_warehouse: Demo) -> None:
    demo, _ = demo_warehouse
    with warehouse.connect(demo) as conn:

        def one(query: str) -> object:
            row = conn.execute(query).fetchone()
            assert row is not None
            return row[0]

        sessionized = one("select count(*) from intermediate.int_requests_sessionized")
        assert one("select sum(requests) from marts.user_activity_summary") == sessionized
        # Every user's heat maps sum to 1; every user's CDF ends at 1.
        assert (
            one(
                "select max(abs(total - 1)) from (select sum(share) as total"
                " from marts.user_activity_heatmap group by user_key, bin_kind) as sums"
            )
            < 1e-9
        )
        assert (
            one(
                "select count(*) from marts.inter_request_times where bucket_number"
                " = (select max(bucket_number) from marts.inter_request_times)"
                " and abs(cumulative_share - 1) > 1e-9"
            )
            == 0
        )
        assert one(
            "select count(*) from marts.user_activity_segments where activity_quartile in (2, 3)"
        ) == one("select max(reference_users) from marts.activity_reference_profile")
        assert (
            one("select count(*) from marts.lesson_dwell_times where is_likely_broken_or_skipped")
            > 0
        )
        assert one("select count(*) from marts.user_pair_coactivity") > 0


def test_welch_matches_scipy_on_known_numbers() -> None:
    first = [12.0, 15.5, 9.0, 30.0, 22.5, 18.0, 11.0]
    second = [40.0, 35.5, 52.0, 28.0, 61.0]
    expected = stats.ttest_ind(first, second, equal_var=False)

    result = dwell.welch(dwell.summarise("a", first), dwell.summarise("b", second))

    assert result.t == pytest.approx(expected.statistic, rel=1e-12)
    assert result.df == pytest.approx(expected.df, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert (result.a.n, result.b.n) == (7, 5)
    assert result.a.sd == pytest.approx(stats.tstd(first), rel=1e-12)


def test_welch_refuses_modules_without_dwell_times() -> None:
    with pytest.raises(ValueError, match="has no dwell times"):
        dwell.summarise("empty", [])
    with pytest.raises(ValueError, match="undefined"):
        dwell.welch(dwell.summarise("a", [3.0, 3.0]), dwell.summarise("b", [5.0, 5.0]))


def test_welch_on_the_demo_matches_scipy_on_the_same_rows(demo_warehouse: Demo) -> None:
    demo, _ = demo_warehouse
    with warehouse.connect(demo) as conn:
        first = dwell.read_dwell_times(conn, "javascript-i")
        second = dwell.read_dwell_times(conn, "html-css")
    expected = stats.ttest_ind(first, second, equal_var=False)

    result = dwell.welch_test(demo, "javascript-i", "html-css")

    assert (result.a.n, result.b.n) == (len(first), len(second)) and len(first) > 1000
    assert result.t == pytest.approx(expected.statistic, rel=1e-9)
    assert result.df == pytest.approx(expected.df, rel=1e-9)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-6, abs=1e-300)
    assert math.isfinite(result.t)


def test_dwell_test_command_on_the_demo(demo_warehouse: Demo) -> None:
    demo, _ = demo_warehouse
    expected = dwell.welch_test(demo, "javascript-i", "html-css")

    shown = run_cli(["dwell-test", "javascript-i", "html-css"], demo)
    unknown = run_cli(["dwell-test", "javascript-i", "no-such-module"], demo)

    assert shown.returncode == 0, shown.stderr
    assert f"javascript-i: n={expected.a.n:,}" in shown.stdout
    assert f"t = {expected.t:.4f}, df = {expected.df:.1f}" in shown.stdout
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "error: module 'no-such-module' has no dwell times"
