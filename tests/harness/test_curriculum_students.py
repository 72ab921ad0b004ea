"""Curriculum marts for questions 3, 5, 6 and 8 against the planted truth of the demo
data, and on the real cohort table (Staff and placeholder cohorts)."""

from __future__ import annotations

from datetime import date

from access_analytics import demo_data, warehouse

REAL_STAFF_COHORT_ID = 28
REAL_PLACEHOLDER_COHORT_ID = 136


def test_every_planted_test_account_is_an_inactive_student(
    demo_warehouse: tuple[warehouse.Settings, dict[str, object]],
) -> None:
    demo, truth = demo_warehouse
    planted = {(account["user_id"], account["cohort_id"]) for account in truth["test_accounts"]}
    with warehouse.connect(demo) as conn:
        rows = conn.execute(
            "select user_id, cohort_id, shares_ip_with_staff, is_one_day_account"
            " from marts.inactive_students"
        ).fetchall()
    found = {(user_id, cohort_id) for user_id, cohort_id, _, _ in rows}
    assert planted <= found, planted - found
    assert len(planted & found) >= 0.9 * len(found), found - planted
    on_staff_ip = {
        (account["user_id"], account["cohort_id"])
        for account in truth["test_accounts"]
        if account["on_staff_ip"]
    }
    assert on_staff_ip == {(user, cohort) for user, cohort, shares, _ in rows if shares} & planted
    assert all(one_day for user, cohort, _, one_day in rows if (user, cohort) in planted)


def test_detected_cross_program_cutoffs_match_the_planted_ones(
    demo_warehouse: tuple[warehouse.Settings, dict[str, object]],
) -> None:
    demo, truth = demo_warehouse
    with warehouse.connect(demo) as conn:
        detected = dict(
            conn.execute("select direction, cutoff_date from marts.cross_program_cutoffs")
        )
    planted = truth["cross_program_access"]
    assert set(detected) == set(planted)
    for direction, expected in planted.items():
        delta = abs((detected[direction] - date.fromisoformat(expected["cutoff_date"])).days)
        assert delta <= 7, (direction, detected[direction], expected["cutoff_date"])


def test_planted_post_graduation_topics_are_in_each_programs_top_three(
    demo_warehouse: tuple[warehouse.Settings, dict[str, object]],
) -> None:
    demo, truth = demo_warehouse
    with warehouse.connect(demo) as conn:
        for program_id, topics in truth["post_graduation_topics"].items():
            top = {
                path
                for (path,) in conn.execute(
                    "select path from marts.post_graduation_topics"
                    " where program_id = %s and rank_in_program <= 3",
                    (int(program_id),),
                )
            }
            assert {topic["path"] for topic in topics} <= top, (program_id, top)


def test_program_overview_accounts_for_every_curriculum_request(
    demo_warehouse: tuple[warehouse.Settings, dict[str, object]],
) -> None:
    demo, truth = demo_warehouse
    with warehouse.connect(demo) as conn:
        total = conn.execute("select sum(requests) from marts.program_overview").fetchone()
        staff = conn.execute(
            "select cohort_id from marts.program_overview where is_staff_cohort"
        ).fetchall()
    assert total is not None and total[0] == truth["events"]
    assert staff == [(truth["staff_cohort_id"],)]


def test_real_cohort_table_staff_and_placeholder_have_no_students_or_graduates(
    real_cohort_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles],
) -> None:
    # Built (`dbt build`, the curriculum marts among everything) by the fixture, shared
    # with test_pipeline.py.
    database, _ = real_cohort_warehouse
    with warehouse.connect(database) as conn:

        def count(query: str, *params: object) -> int:
            row = conn.execute(query, params).fetchone()
            assert row is not None
            return int(row[0])

        assert (
            count(
                "select count(*) from staging.stg_curriculum__cohorts"
                " where is_placeholder and cohort_id = %s",
                REAL_PLACEHOLDER_COHORT_ID,
            )
            == 1
        )
        assert (
            count(
                "select count(*) from marts.inactive_students where cohort_id in (%s, %s)",
                REAL_STAFF_COHORT_ID,
                REAL_PLACEHOLDER_COHORT_ID,
            )
            == 0
        )
        # The check can fail: both cohorts do have requests after their end dates.
        assert (
            count(
                "select count(*) from intermediate.int_requests_enriched"
                " where cohort_id in (%s, %s) and requested_date > cohort_end_date",
                REAL_STAFF_COHORT_ID,
                REAL_PLACEHOLDER_COHORT_ID,
            )
            > 0
        )
        # Graduates' lesson views, counted from the dates alone with both cohorts left
        # out: the mart holds exactly these (staff requests after 2014 would add more).
        graduate_views = count(
            "select count(*) from intermediate.int_requests_enriched"
            " where requested_date > cohort_end_date and cohort_id not in (%s, %s)"
            " and not is_asset and path <> '/' and path is not null",
            REAL_STAFF_COHORT_ID,
            REAL_PLACEHOLDER_COHORT_ID,
        )
        assert graduate_views > 0
        assert (
            count("select coalesce(sum(requests), 0) from marts.post_graduation_topics")
            == graduate_views
        )
        assert count("select count(*) from marts.program_overview") > 0
