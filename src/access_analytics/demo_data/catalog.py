"""The curricula: every path of the site (lessons, drafts, images, navigation), the
tables that sample lessons and images per module, and the lessons planted as
post-graduation topics and as the over-used lesson."""

from __future__ import annotations

import numpy as np

from access_analytics.demo_data.model import _Catalog

# ---------------------------------------------------------------------------------------
# Curricula: module -> (lessons in teaching order, draft lessons nobody links to, images).
# ---------------------------------------------------------------------------------------
_Module = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]

# fmt: off
_WEB_MODULES: tuple[_Module, ...] = (
    ("prework", ("introduction", "command-line", "git-basics", "github", "markdown",
                 "ide-setup"), ("terminal-shortcuts",),
     ("images/terminal.png", "images/git-flow.png")),
    ("html-css", ("introduction", "elements", "forms", "css-i/selectors-and-properties",
                  "css-i/box-model", "css-ii/flexbox", "css-ii/grid", "css-ii/media-queries",
                  "bootstrap/grid-system", "bootstrap/components"),
     ("css-iii/animations", "css-iii/transitions"),
     ("images/box-model.png", "images/flexbox-axes.png", "images/html-tree.png")),
    ("javascript-i", ("introduction/working-with-data-types-operators-and-variables",
                      "javascript-with-html", "conditionals", "loops", "functions", "arrays",
                      "objects", "math", "bom-and-dom/dom-selection", "bom-and-dom/dom-events",
                      "es6-preview"), ("strings",),
     ("images/dom-tree.png", "images/event-loop.png", "images/truthy-falsy.png")),
    ("jquery", ("introduction", "selectors", "events", "mouse-events", "keyboard-events",
                "effects", "attributes-and-css", "traversing", "ajax-requests"), ("plugins",),
     ("images/jquery-logo.png", "images/traversal.png")),
    ("javascript-ii", ("es6", "promises", "map-filter-reduce", "ajax", "apis", "npm",
                       "webpack"), ("async-await", "modules"),
     ("images/promise-states.png", "images/fetch-flow.png")),
    ("java-i", ("introduction", "syntax-types-and-variables", "console-io",
                "control-statements-and-loops", "methods", "arrays",
                "object-oriented-programming", "strings-and-wrappers"), ("debugging",),
     ("images/jvm.png", "images/class-diagram.png")),
    ("java-ii", ("inheritance-and-polymorphism", "interfaces", "abstract-classes",
                 "collections", "exceptions", "file-io", "generics", "annotations"),
     ("streams", "lambdas"), ("images/collections-hierarchy.png",)),
    ("mysql", ("introduction", "users", "databases", "tables", "basic-statements", "clauses",
               "functions", "indexes", "relationships", "joins", "subqueries"),
     ("stored-procedures",), ("images/erd.png", "images/join-types.png")),
    ("java-iii", ("jdbc", "dao-pattern", "servlets", "jsp-and-jstl", "mvc",
                  "sessions-and-cookies", "user-input", "deployment"), ("filters",),
     ("images/mvc.png", "images/request-lifecycle.png")),
    ("spring", ("introduction", "fundamentals/controllers", "fundamentals/views",
                "fundamentals/repositories", "fundamentals/relationships",
                "fundamentals/form-model-binding", "fundamentals/services",
                "fundamentals/security", "extra-features/file-upload",
                "extra-features/json-response"), ("fundamentals/testing",),
     ("images/spring-layers.png", "images/security-flow.png")),
    ("php-i", ("introduction", "php-cli", "variables-and-operators", "control-structures",
               "php-functions", "php-arrays", "php-strings"), ("php-ini",),
     ("images/php-request.png",)),
    ("php-ii", ("form-processing", "php-sessions", "classes-and-objects", "inheritance",
                "php-interfaces", "static-members", "php-exceptions"), ("namespaces",),
     ("images/php-oop.png",)),
    ("php-iii", ("pdo", "prepared-statements", "models", "active-record", "input-validation",
                 "pagination"), ("orm-basics",), ("images/pdo-flow.png",)),
    ("laravel", ("introduction", "routes", "controllers", "blade-templates",
                 "migrations-and-seeds", "eloquent", "authentication", "validation",
                 "laravel-deployment"), ("queues",), ("images/laravel-mvc.png",)),
    ("capstone", ("introduction", "project-planning", "agile", "user-stories",
                  "presentations"), ("past-projects",), ("images/kanban.png",)),
    ("appendix", ("git/cli", "git/branching", "git/merge-conflicts", "javadoc",
                  "code-standards", "cli-cheatsheet", "interview-questions",
                  "professional-development"), ("regular-expressions", "style-guide"),
     ("images/git-branching.png",)),
    ("tools", ("intellij", "chrome-devtools", "maven", "postman", "heroku"), ("vim",),
     ("images/intellij-shortcuts.png",)),
)
# fmt: on

# fmt: off
_DS_MODULES: tuple[_Module, ...] = (
    ("1-fundamentals", ("modern-data-scientist", "intro-to-data-science",
                        "data-science-pipeline", "environment-setup", "jupyter-notebooks"),
     ("course-faq",),
     ("AI-ML-DL-timeline.jpg", "modern-data-scientist.jpg", "data-science-pipeline.png")),
    ("2-storytelling", ("overview", "tableau", "chart-types", "bad-charts",
                        "creating-charts"), ("dashboards",), ("tableau-workspace.png",)),
    ("3-sql", ("sql-databases", "select-statements", "where-clauses", "sql-functions", "joins",
               "sql-subqueries", "temp-tables", "case-statements"), ("window-functions",),
     ("join-venn.png",)),
    ("4-python", ("introduction-to-python", "data-types-and-variables",
                  "python-control-structures", "python-functions", "imports", "numpy",
                  "pandas-series", "pandas-dataframes", "data-visualization",
                  "advanced-dataframes"), ("list-comprehensions-advanced",),
     ("pandas-anatomy.png", "matplotlib-figure.png")),
    ("5-stats", ("stats-overview", "simulation", "probability-distributions",
                 "compare-means", "correlation", "hypothesis-testing",
                 "more-statistical-testing-examples"), ("bayes-theorem",),
     ("normal-distribution.png", "hypothesis-testing.jpg")),
    ("6-regression", ("regression-overview", "acquire-and-prep", "split-and-scale",
                      "regression-explore", "feature-engineering", "regression-modeling",
                      "evaluation", "regression-project"), ("regularization",),
     ("regression-pipeline.png",)),
    ("7-classification", ("classification-overview", "acquire", "prep", "explore",
                          "decision-trees", "random-forest", "knn", "logistic-regression",
                          "model-evaluation", "classification-project"), ("svm",),
     ("confusion-matrix.png", "decision-tree.png")),
    ("8-clustering", ("clustering-overview", "clustering-acquire", "clustering-prep",
                      "clustering-explore", "kmeans", "dbscan", "clustering-project"),
     ("hierarchical",), ("kmeans-iterations.gif",)),
    ("9-timeseries", ("timeseries-overview", "timeseries-acquire", "timeseries-prep",
                      "timeseries-explore", "timeseries-modeling", "prophet",
                      "timeseries-project"), ("arima",), ("seasonality.png",)),
    ("10-anomaly-detection", ("anomaly-overview", "continuous-probabilistic-methods",
                              "discrete-probabilistic-methods",
                              "time-series-anomaly-detection",
                              "clustering-anomaly-detection", "anomaly-project"),
     ("isolation-forest",), ("outliers.png",)),
    ("11-nlp", ("nlp-intro", "regex", "nlp-acquire", "nlp-prep", "nlp-explore",
                "nlp-modeling", "sentiment-analysis", "nlp-project"), ("topic-modeling",),
     ("word-cloud.png",)),
    ("12-distributed-ml", ("spark-intro", "spark-api", "spark-acquire", "spark-wrangle",
                           "spark-explore", "spark-modeling", "spark-project"),
     ("spark-streaming",), ("spark-cluster.png",)),
    ("13-advanced-topics", ("advanced-intro", "docker", "flask", "deep-learning",
                            "computer-vision", "recommendation-systems"), ("mlops",),
     ("neural-net.png",)),
)
# fmt: on

# Program -> (core modules in teaching order, support modules used at any time).
# fmt: off
_CURRICULA: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    1: (("prework", "html-css", "javascript-i", "jquery", "javascript-ii", "php-i", "mysql",
         "php-ii", "php-iii", "laravel", "capstone"), ("appendix", "tools")),
    2: (("prework", "html-css", "javascript-i", "jquery", "javascript-ii", "java-i",
         "java-ii", "mysql", "java-iii", "spring", "capstone"), ("appendix", "tools")),
    3: (("1-fundamentals", "2-storytelling", "3-sql", "4-python", "5-stats", "6-regression",
         "7-classification", "8-clustering", "9-timeseries", "10-anomaly-detection",
         "11-nlp", "12-distributed-ml", "13-advanced-topics"), ()),
    4: (("prework", "html-css", "javascript-i", "jquery", "javascript-ii", "capstone"),
        ("appendix", "tools")),
}
# fmt: on
_WEB_PROGRAMS = (1, 2, 4)

# Request kinds inside a session and their probabilities; json, favicon and images are
# assets (about 17 % of requests), '/' and 'toc' are navigation.
_KIND_PROBS = (0.74, 0.03, 0.065, 0.07, 0.03, 0.04, 0.025)
(_K_LESSON, _K_INDEX, _K_IMAGE, _K_JSON, _K_FAVICON, _K_HOME, _K_TOC) = range(7)


def _build_catalog(rng: np.random.Generator) -> _Catalog:
    """Path strings and the tables that sample lessons and images per module."""
    paths = ["", "/", "toc", "search/search_index.json", "favicon.ico"]
    modules = _WEB_MODULES + _DS_MODULES
    names = tuple(m[0] for m in modules)
    index_path, visible, crawlable = [], [], []
    lesson_keys: list[float] = []
    lesson_paths: list[int] = []
    image_keys: list[float] = []
    image_paths: list[int] = []
    for number, (name, lessons, drafts, images) in enumerate(modules):
        index_path.append(len(paths))
        paths.append(name)
        lesson_ids = list(range(len(paths), len(paths) + len(lessons)))
        paths.extend(f"{name}/{lesson}" for lesson in lessons)
        draft_ids = list(range(len(paths), len(paths) + len(drafts)))
        paths.extend(f"{name}/{lesson}" for lesson in drafts)
        # Every other lesson has an illustration of its own.
        folder = "" if name[0].isdigit() else "images/"
        figures = [f"{folder}{lesson.split('/')[-1]}.png" for lesson in lessons[1::2]]
        images = tuple(dict.fromkeys(images + tuple(figures)))
        image_ids = list(range(len(paths), len(paths) + len(images)))
        paths.extend(f"{name}/{image}" for image in images)
        # Popularity: roughly teaching order, shuffled a little; Zipf weights by rank.
        order = np.argsort(
            np.arange(len(lessons)) + rng.normal(0.0, 1.5, len(lessons)), kind="stable"
        )
        ranked = [lesson_ids[i] for i in order]
        weights = 1.0 / np.arange(1, len(ranked) + 1) ** 1.1
        cdf = np.cumsum(weights) / weights.sum()
        cdf[-1] = 1.0
        lesson_keys.extend((number + cdf).tolist())
        lesson_paths.extend(ranked)
        image_cdf = np.arange(1, len(image_ids) + 1) / len(image_ids)
        image_keys.extend((number + image_cdf).tolist())
        image_paths.extend(image_ids)
        visible.append(tuple(ranked))
        crawlable.append(tuple([index_path[-1], *lesson_ids, *draft_ids, *image_ids]))
    core, bounds, every = _program_modules(names, visible)
    return _Catalog(
        paths=tuple(paths),
        module_names=names,
        module_is_ds=np.array([i >= len(_WEB_MODULES) for i in range(len(names))]),
        index_path=np.array(index_path, dtype=np.int64),
        lesson_keys=np.array(lesson_keys),
        lesson_paths=np.array(lesson_paths, dtype=np.int64),
        image_keys=np.array(image_keys),
        image_paths=np.array(image_paths, dtype=np.int64),
        visible=tuple(visible),
        crawlable=tuple(crawlable),
        core=core,
        core_bounds=bounds,
        every=every,
        home=1,
        toc=2,
        search=3,
        favicon=4,
    )


def _program_modules(
    names: tuple[str, ...], visible: list[tuple[int, ...]]
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Per program: core module ids in teaching order, their cumulative share of the
    course (by visible lessons) and all its module ids."""
    module_id = {name: i for i, name in enumerate(names)}
    core, bounds, every = {}, {}, {}
    for program, (core_names, support_names) in _CURRICULA.items():
        core_ids = np.array([module_id[n] for n in core_names], dtype=np.int64)
        lengths = np.array([len(visible[i]) for i in core_ids], dtype=np.float64)
        core[program] = core_ids
        bounds[program] = np.cumsum(lengths) / lengths.sum()
        every[program] = np.array(
            [module_id[n] for n in core_names + support_names], dtype=np.int64
        )
    return core, bounds, every


def _path_parts(catalog: _Catalog, path_id: int) -> dict[str, str]:
    path = catalog.paths[path_id]
    return {"module": path.split("/")[0], "lesson": path.split("/")[-1], "path": path}


def _unique_lessons(catalog: _Catalog) -> set[int]:
    """Visible lessons whose last path segment appears nowhere else in the catalog."""
    counts: dict[str, int] = {}
    for path in catalog.paths:
        last = path.split("/")[-1]
        counts[last] = counts.get(last, 0) + 1
    return {
        p
        for lessons in catalog.visible
        for p in lessons
        if counts[catalog.paths[p].split("/")[-1]] == 1
    }


def _pick_topics(
    catalog: _Catalog, overused: int, rng: np.random.Generator
) -> dict[int, list[int]]:
    """Two lessons per program (1, 2, 3) that graduates keep coming back to."""
    unique = _unique_lessons(catalog)
    taken = {overused}
    topics = {}
    for program in (1, 2, 3):
        options = [
            p
            for m in catalog.core[program][1:]
            for p in catalog.visible[m][1:4]
            if p in unique and p not in taken
        ]
        chosen = [int(p) for p in rng.choice(options, size=2, replace=False)]
        taken.update(chosen)
        topics[program] = chosen
    return topics


def _pick_overused(catalog: _Catalog, rng: np.random.Generator) -> int:
    """A rarely read lesson (popularity rank 5 or lower) in the middle of the Java course."""
    core = catalog.core[2]
    unique = _unique_lessons(catalog)
    middle = core[len(core) // 2 : len(core) // 2 + 3]
    options = [p for m in middle for p in catalog.visible[m][4:] if p in unique]
    return int(rng.choice(options))


def _sample_lesson(catalog: _Catalog, module: np.ndarray, u: np.ndarray) -> np.ndarray:
    lesson: np.ndarray = catalog.lesson_paths[
        np.searchsorted(catalog.lesson_keys, module + u, side="left")
    ]
    return lesson
