"""The simulation: who plays a planted part, the planted and the regular rows in their
order of random streams, a path for every row, the account ids, the rows sorted by
time."""

from __future__ import annotations

import numpy as np

from access_analytics.demo_data.catalog import (
    _K_FAVICON,
    _K_HOME,
    _K_IMAGE,
    _K_INDEX,
    _K_JSON,
    _K_LESSON,
    _K_TOC,
    _KIND_PROBS,
    _WEB_PROGRAMS,
    _sample_lesson,
)
from access_analytics.demo_data.model import (
    _DAY_SECONDS,
    _PLACEHOLDER,
    _STAFF,
    DS_TO_WEB_CUTOFF,
    PROGRAMS,
    WEB_TO_DS_CUTOFF,
    _concat,
    _day,
    _Rows,
    _take,
    _World,
)
from access_analytics.demo_data.plant import (
    _plant_concurrent_use,
    _plant_cross_access,
    _plant_front_end,
    _plant_heavy,
    _plant_sharing,
    _plant_test_accounts,
)
from access_analytics.demo_data.plant_bots import _plant_non_human, _plant_scrapers
from access_analytics.demo_data.sessions import _any_module, _expand
from access_analytics.demo_data.traffic import _drop_blocked, _fit_to_size, _regular_rows
from access_analytics.demo_data.truth import _ground_truth, _PlantedTruth
from access_analytics.demo_data.world import _phase, _pick_days, _role_candidates, _user_ids


def _simulate(
    world: _World, events: int, streams: list[np.random.Generator]
) -> tuple[_Rows, dict[str, object]]:
    """All request rows (sorted by time) and the ground truth."""
    rng_plant, rng_sess, rng_fix, rng_path, rng_heavy = streams[:5]
    users = world.users
    heavy, scraper_students, rest = _planted_roles(world, rng_plant)
    sharing = rest[:4]
    sharing_days = _sharing_days(world, sharing, rng_plant)

    # --- planted rows that do not depend on the regular traffic ---
    tests, test_truth = _plant_test_accounts(world, rng_plant)
    explicit: list[_Rows] = []
    scraper_rows, scraper_truth = _plant_scrapers(world, scraper_students, rng_plant)
    explicit.extend(scraper_rows)
    cross_rows = _plant_cross_access(world, set(sharing + heavy + scraper_students), rng_plant)
    explicit.extend(cross_rows)
    sharing_sessions, sharing_truth = _plant_sharing(world, sharing_days, rng_plant)
    front_end = _plant_front_end(world, rng_plant)
    fixed = [tests, sharing_sessions, front_end]
    reg = _regular_rows(world, events, fixed, explicit, sharing_days, rng_sess)

    # Binge days are picked once the students' ordinary days are known (they need a
    # baseline before them) and take the place of those days' ordinary traffic.
    heavy_sessions, heavy_truth, heavy_days = _plant_heavy(world, reg, heavy, events, rng_heavy)
    reg = _drop_blocked(reg, heavy_days)
    fixed.append(heavy_sessions)
    two_place_rows, two_place_truth, switch_rows, switch_truth = _plant_concurrent_use(
        world, [u for u in rest[4:] if u not in heavy], streams[7]
    )
    explicit.extend(two_place_rows + switch_rows)
    bot_rows, bot_truth = _plant_non_human(world, events, streams[8])
    explicit.extend(bot_rows)
    planted = [_expand(world, s, rng_sess) for s in fixed] + explicit
    reg = _fit_to_size(world, reg, planted, events, heavy, rng_fix)

    rows = _concat([reg, *planted])
    _assign_paths(world, rows, rng_path)
    missing = int(rng_path.integers(0, len(reg.ts)))  # a regular row loses its path
    rows.path[missing] = 0

    # Account ids in order of creation, now that the planted accounts exist too.
    users.user_id = _user_ids(users.created, rng_plant)
    bot_items = [item for items in bot_truth.values() for item in items]
    for item in test_truth + sharing_truth + two_place_truth + switch_truth + bot_items:
        item["user_id"] = int(users.user_id[int(str(item["user_id"]))])
    test_truth.sort(key=lambda item: str(item["date"]))
    sharing_truth.sort(key=lambda item: int(str(item["user_id"])))

    rows = _take(rows, np.argsort(rows.ts, kind="stable"))
    planted_truth = _PlantedTruth(
        test_truth,
        scraper_truth,
        sharing_truth,
        two_place_truth,
        switch_truth,
        heavy_truth,
        bot_truth,
    )
    return rows, _ground_truth(world, rows, planted_truth)


def _planted_roles(
    world: _World, rng_plant: np.random.Generator
) -> tuple[list[int], list[int], list[int]]:
    """Students who play a planted part: the heavy users, the two whose accounts
    scrapers use, and the rest of the candidates (sharing, concurrent use) in order."""
    users = world.users
    # Heavy users need many ordinary days for a meaningful median day.
    steady = rng_plant.permutation(_role_candidates(world, 90, users.activity >= 1.0))
    if len(steady) < 5:
        steady = rng_plant.permutation(_role_candidates(world, 30, users.activity > 0))
    heavy = [int(u) for u in steady[:5]]
    picked = [
        int(u)
        for u in rng_plant.permutation(_role_candidates(world, 30, users.activity > 0))
        if int(u) not in heavy
    ]
    ds_first = sorted(picked, key=lambda u: (users.program[u] != 3,))
    if len(picked) < 6 or len(heavy) < 5:
        raise ValueError("the cohort table has too few students in the log to plant findings")
    scraper_students = [ds_first[0]]  # one data-science (or Java) student
    rest = [u for u in picked if u not in scraper_students]
    java_rest = [u for u in rest if users.program[u] == 2]
    scraper_students.append(java_rest[0] if java_rest else rest[0])
    rest = [u for u in rest if u not in scraper_students]
    return heavy, scraper_students, rest


def _sharing_days(
    world: _World, sharing: list[int], rng_plant: np.random.Generator
) -> dict[int, list[int]]:
    """The days of shared logins, per user: days that planted traffic owns, kept free of
    regular traffic."""
    return {
        u: _pick_days(
            world,
            u,
            3 if world.scale < 0.5 else int(rng_plant.integers(3, 6)),
            rng_plant,
            weekdays=False,
        )
        for u in sharing
    }


def _wander(
    world: _World,
    module: np.ndarray,
    program: np.ndarray,
    staff: np.ndarray,
    phase: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Some requests wander off the session's module (``module`` is changed in place):
    students to another module of their program, staff and visitors to any module."""
    catalog = world.catalog
    wander = rng.random(len(module)) < 0.15
    for p in PROGRAMS:
        rows_p = np.flatnonzero(wander & (program == p) & ~staff & (phase < 3))
        every = catalog.every[p]
        module[rows_p] = every[rng.integers(0, len(every), len(rows_p))]
    free = np.flatnonzero(wander & (staff | (phase == 3)))
    module[free] = _any_module(world, staff[free], rng)


def _assign_paths(world: _World, rows: _Rows, rng: np.random.Generator) -> None:
    """Draw each row's path from its session's module, phase and program."""
    users = world.users
    catalog = world.catalog
    todo = np.flatnonzero(rows.path < 0)
    user = rows.user[todo]
    day = rows.ts[todo] // _DAY_SECONDS
    module = rows.module[todo].copy()
    n = len(todo)
    kind = users.kind[user]
    program = users.program[user]
    staff = kind == _STAFF
    phase = _phase(world, user, day)
    _wander(world, module, program, staff, phase, rng)

    edges = np.cumsum(_KIND_PROBS)
    edges[-1] = 1.0
    request_kind = np.searchsorted(edges, rng.random(n), side="right")
    path = np.empty(n, dtype=np.int64)

    lesson = request_kind == _K_LESSON
    cross_draw = rng.random(n)
    web_user = np.isin(program, _WEB_PROGRAMS) & ~staff & (phase < 3)
    ds_user = (program == 3) & (phase < 3)
    to_ds = lesson & web_user & (day < _day(WEB_TO_DS_CUTOFF)) & (cross_draw < 0.04)
    to_web = lesson & ds_user & (day < _day(DS_TO_WEB_CUTOFF)) & (cross_draw < 0.06)
    ds_modules = np.flatnonzero(catalog.module_is_ds)
    java = catalog.every[2]
    lesson_module = module.copy()
    lesson_module[to_ds] = ds_modules[rng.integers(0, len(ds_modules), int(to_ds.sum()))]
    lesson_module[to_web] = java[rng.integers(0, len(java), int(to_web.sum()))]
    rows_l = np.flatnonzero(lesson)
    path[rows_l] = _sample_lesson(catalog, lesson_module[rows_l], rng.random(len(rows_l)))

    special = rng.random(n)
    normal = lesson & ~to_ds & ~to_web
    topics = world.topics
    grad = normal & (phase == 2) & (kind != _PLACEHOLDER) & ~staff
    for p, (first, second) in topics.items():
        chosen = np.flatnonzero(grad & (program == p) & (special < 0.5))
        path[chosen] = np.where(special[chosen] < 0.275, first, second)
    overused = normal & (users.cohort[user] == world.roles.overused) & (phase == 1)
    path[overused & (special < 0.08)] = world.overused_path

    index = np.flatnonzero(request_kind == _K_INDEX)
    path[index] = catalog.index_path[module[index]]
    image = np.flatnonzero(request_kind == _K_IMAGE)
    path[image] = catalog.image_paths[
        np.searchsorted(catalog.image_keys, module[image] + rng.random(len(image)), side="left")
    ]
    path[request_kind == _K_JSON] = catalog.search
    path[request_kind == _K_FAVICON] = catalog.favicon
    path[request_kind == _K_HOME] = catalog.home
    path[request_kind == _K_TOC] = catalog.toc
    rows.path[todo] = path
