"""Deterministic synthetic curriculum access logs, shaped like the real bootcamp log.

``generate`` writes three files: the request log (``requests.csv`` or, in the
bootcamp's own space-separated format, ``requests.txt``), a cohort table in the
style of the real MySQL export (``cohorts.csv``) and ``ground_truth.json``,
which lists everything that was planted in the log for the analyses to find:
instructors' one-day test accounts, scrapers, shared credentials, the 2019
cut-off of cross-program access, post-graduation topics, an over-used lesson,
a merely more active cohort (a decoy), heavy-usage days, the IP blocks of
each kind (campus, public hotspot, residential), and non-human traffic that is no
scraper: a crawler with a browser's user agent, exploit scanners and uptime monitors.

Everything is vectorised with numpy: users get a per-day activity intensity,
sessions are drawn per user and day, expanded into requests with ``np.repeat``
and cumulative sums, and paths, user agents and IPs are integer indices into
small string tables until the file is written in chunks. The same arguments
give byte-identical files.

The ground-truth guarantees (for instance that every other student has at
least 40 requests while in session) hold from 100,000 events on; smaller
files are valid and contain every planted item, at reduced volumes.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

LOG_START = date(2018, 1, 26)
LOG_END = date(2021, 4, 21)
MIN_EVENTS = 1_000
FORMATS = ("csv", "bootcamp")
PROGRAMS = {1: "PHP web dev", 2: "Java web dev", 3: "data science", 4: "front end"}
COHORT_COLUMNS = (
    "id", "name", "slack", "start_date", "end_date", "created_at", "updated_at",
    "deleted_at", "program_id",
)
REQUESTS_HEADER = "date,time,path,user_id,cohort_id,ip,user_agent"
WEB_TO_DS_CUTOFF = date(2019, 3, 11)
DS_TO_WEB_CUTOFF = date(2019, 3, 25)
# Every student whose cohort overlaps the log has at least this many requests while in
# session (from GUARANTEE_EVENTS on), far above the planted test accounts' 1-8.
IN_SESSION_FLOOR = 40
GUARANTEE_EVENTS = 100_000
# From this size on, user counts and planted volumes are at full scale.
FULL_SCALE_EVENTS = 200_000
CHUNK_ROWS = 1_000_000

_N_DAYS = (LOG_END - LOG_START).days + 1
_DAY_SECONDS = 86_400
_LAST_TS = _N_DAYS * _DAY_SECONDS - 1
_PLACEHOLDER_AFTER = date(LOG_END.year + 2, LOG_END.month, LOG_END.day)

# Shares of all request lines (program 2 gets the rest, program 4 only a handful).
_SHARE_STAFF = 0.09
_SHARE_NO_COHORT = 0.06
_SHARE_PHP = 0.034
_SHARE_DS = 0.11

# User kinds.
# _BOT: the accounts of crawlers, exploit scanners and uptime monitors (every line of the
# log has a user_id: the curriculum is behind a login), no cohort, like new scrapers.
_STUDENT, _STAFF, _NO_COHORT, _PLACEHOLDER, _FRONT_END, _TEST, _SCRAPER, _BOT = range(8)
# Session locations.
_CAMPUS, _HOME, _HOTSPOT = range(3)
# Devices.
_LAPTOP, _PHONE, _LAB = range(3)
# Calibration groups of regular users.
_G_STAFF, _G_NO_COHORT, _G_PHP, _G_DS, _G_JAVA = range(5)

# ---------------------------------------------------------------------------------------
# Curricula: module -> (lessons in teaching order, draft lessons nobody links to, images).
# ---------------------------------------------------------------------------------------
_Module = tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]

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

# Program -> (core modules in teaching order, support modules used at any time).
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
_WEB_PROGRAMS = (1, 2, 4)

# Request kinds inside a session and their probabilities; json, favicon and images are
# assets (about 17 % of requests), '/' and 'toc' are navigation.
_KIND_PROBS = (0.74, 0.03, 0.065, 0.07, 0.03, 0.04, 0.025)
(_K_LESSON, _K_INDEX, _K_IMAGE, _K_JSON, _K_FAVICON, _K_HOME, _K_TOC) = range(7)

# ---------------------------------------------------------------------------------------
# Networks.
# ---------------------------------------------------------------------------------------
_CAMPUSES = (  # (block, student IPs, their weights, staff IPs, their weights)
    ("97.105", ("97.105.19.58", "97.105.19.56"), (0.88, 0.12),
     ("97.105.19.61", "97.105.19.62"), (0.85, 0.15)),
    ("204.44", ("204.44.112.76", "204.44.112.77"), (0.9, 0.1), ("204.44.112.80",), (1.0,)),
)
_STAFF_TEST_IP = "97.105.19.61"
_HOTSPOT_BLOCKS = (("12.190", 0.45), ("66.90", 0.33), ("107.115", 0.22))
_RESIDENTIAL_BLOCKS = (
    ("70.112", 0.24), ("24.26", 0.17), ("99.203", 0.12), ("67.11", 0.1), ("72.181", 0.1),
    ("76.185", 0.09), ("173.174", 0.09), ("104.190", 0.09),
)
_SCRAPER_BLOCKS = ("52.14", "34.86", "104.131", "45.33", "157.245", "3.88")
_SCRAPER_KINDS = ("python-requests", "curl", "wget", "headless", "browser", "browser")
_SCRAPER_AGENTS = (
    "python-requests/2.22.0",
    "curl/7.64.1",
    "Wget/1.20.3 (linux-gnu)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/83.0.4103.116 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/79.0.3945.130 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:68.0) Gecko/20100101 Firefox/68.0",
)
# Scrapers 3 and 4 log in with an existing student's account, the others with new ones.
_SCRAPERS_WITH_STUDENT_ACCOUNT = (3, 4)
# Non-human traffic that is not after the curriculum's content (issue 11), each kind on
# an account of its own. A search engine's crawler in its own /16 that sends an old
# browser's user agent (as Baidu's 180.76.x sends Firefox 6.0.2 in the Apache log): it
# reads robots.txt at the start of every visit, then pages only, a few seconds apart.
_BROWSER_CRAWLER_BLOCK = "180.76"
_BROWSER_CRAWLER_IPS = 3
_BROWSER_CRAWLER_AGENT = "Mozilla/5.0 (Windows NT 5.1; rv:6.0.2) Gecko/20100101 Firefox/6.0.2"
# Exploit scanners: hosting blocks, and what they send (a browser's user agent, a scanning
# tool's, none); each run asks for a random handful of the usual probes.
_SCANNER_BLOCKS = ("185.220", "45.146", "193.106", "89.248")
_SCANNER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/78.0.3904.108 Safari/537.36",
    "Mozilla/5.0 zgrab/0.x",
    "",
    "Mozilla/5.0 (X11; Linux x86_64; rv:68.0) Gecko/20100101 Firefox/68.0",
)
_EXPLOIT_PATHS = (
    "wp-login.php", "xmlrpc.php", ".env", ".git/config", "phpmyadmin/index.php",
    "wp-admin/setup-config.php", "vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "cgi-bin/luci", ".aws/credentials", "admin/.env", "HNAP1", "boaform/admin/formLogin",
    ".DS_Store", "wp-admin/admin-ajax.php", "phpMyAdmin/scripts/setup.php",
    # probes no pattern knows; a scanner sends them between the known ones
    "admin.php", "shell.php", "solr/admin/info/system", "console/login/LoginForm.jsp",
)
# Uptime monitors: (block, user agent, the one path polled, seconds between polls, polls
# in a million-event log): UptimeRobot's free plan every 5 minutes for ten days, and a
# health check of the hosting company's own that sends no user agent, every 30 minutes
# for four weeks.
_MONITORS = (
    ("216.144", "Mozilla/5.0+(http://www.uptimerobot.com/)", "/", 300, 2880),
    ("64.62", "", "toc", 1800, 1344),
)

# ---------------------------------------------------------------------------------------
# User agents: one version per quarter from 2018Q1 (index 0) to 2021Q2 (index 13).
# ---------------------------------------------------------------------------------------
_QUARTERS = 14
# Patch levels: users on the same browser and quarter differ in patch and OS minor version.
_PATCHES = 4
_PATCH_STEPS = (0, 14, 27, -10)
_CHROME = ("64.0.3282.186", "66.0.3359.181", "67.0.3396.99", "69.0.3497.100",
           "71.0.3578.98", "72.0.3626.121", "74.0.3729.169", "76.0.3809.132",
           "78.0.3904.108", "80.0.3987.149", "83.0.4103.116", "85.0.4183.121",
           "87.0.4280.88", "89.0.4389.114")
_FIREFOX = ("58.0", "60.0", "61.0", "62.0", "64.0", "65.0", "67.0", "68.0", "70.0", "72.0",
            "76.0", "79.0", "84.0", "87.0")
_MACOS = ("10_13_3", "10_13_4", "10_13_6", "10_13_6", "10_14_2", "10_14_3", "10_14_4",
          "10_14_6", "10_15_1", "10_15_2", "10_15_4", "10_15_6", "10_15_7", "10_15_7")
_SAFARI = ("11.0.3", "11.1", "11.1.2", "12.0", "12.0.2", "12.0.3", "12.1", "12.1.2",
           "13.0.3", "13.0.4", "13.1", "13.1.2", "14.0.1", "14.0.3")
_IOS = ("11_2_6", "11_3", "11_4", "12_0", "12_1", "12_1_4", "12_3_1", "12_4", "13_1_3",
        "13_3", "13_4_1", "13_6", "14_2", "14_4")
_IOS_SAFARI = ("11.0", "11.0", "11.0", "12.0", "12.0", "12.0", "12.1", "12.1.2", "13.0.3",
               "13.0.4", "13.1", "13.1.2", "14.0.1", "14.0.3")
_ANDROID = ("8.0.0", "8.0.0", "8.1.0", "8.1.0", "9", "9", "9", "9", "10", "10", "10", "10",
            "11", "11")
_SAMSUNG = ("6.4", "7.0", "7.2", "7.4", "8.2", "9.0", "9.2", "10.1", "10.2", "11.0", "11.2",
            "12.0", "13.0", "13.2")
_CROS = ("10176.76.0", "10452.99.0", "10575.58.0", "10895.78.0", "11151.113.0",
         "11316.165.0", "11647.154.0", "12105.100.0", "12499.66.0", "12739.111.0",
         "13020.87.0", "13310.93.0", "13505.73.0", "13729.56.0")
_EDGE = ("Chrome/58.0.3029.110 Safari/537.36 Edge/16.16299",
         "Chrome/58.0.3029.110 Safari/537.36 Edge/16.16299",
         "Chrome/64.0.3282.140 Safari/537.36 Edge/17.17134",
         "Chrome/64.0.3282.140 Safari/537.36 Edge/17.17134",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.17763",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.17763",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.17763",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.18362",
         "Chrome/70.0.3538.102 Safari/537.36 Edge/18.18363",
         "Chrome/80.0.3987.132 Safari/537.36 Edg/80.0.361.66",
         "Chrome/83.0.4103.116 Safari/537.36 Edg/83.0.478.58",
         "Chrome/85.0.4183.102 Safari/537.36 Edg/85.0.564.51",
         "Chrome/87.0.4280.88 Safari/537.36 Edg/87.0.664.66",
         "Chrome/89.0.4389.114 Safari/537.36 Edg/89.0.774.68")
_MAC_CHROME = 0  # index of the "mac_chrome" variant: loaner MacBooks, staff test accounts
_ANDROID_MODELS = ("SM-G960U", "Pixel 3", "SM-G973U", "moto g(7) power")
_SAMSUNG_MODELS = ("SAMSUNG SM-G960U", "SAMSUNG SM-N960U", "SAMSUNG SM-A505U")


def _chrome(q: int, k: int) -> str:
    """Chrome's full version in quarter q at patch level k."""
    major, minor, build, patch = _CHROME[q].split(".")
    return f"{major}.{minor}.{build}.{int(patch) + _PATCH_STEPS[k]}"


def _older_minor(version: str, k: int, sep: str) -> str:
    """The OS version at patch level k: levels 2 and 3 lag one minor release behind."""
    parts = version.split(sep)
    if k < 2:
        return version
    if len(parts) == 2:
        return version if k == 2 else sep.join([*parts, "1"])
    last = int(parts[-1])
    return sep.join([*parts[:-1], str(max(0, last - 1))]) if last > 1 else sep.join(parts[:-1])


def _ua_variants() -> list[tuple[str, str, Callable[[int, int], str]]]:
    """User-agent variants as (name, os, (quarter, patch level) -> user-agent string)."""
    win = "Windows NT 10.0; Win64; x64"
    webkit = "AppleWebKit/537.36 (KHTML, like Gecko)"

    def mac(q: int, k: int) -> str:
        return _older_minor(_MACOS[q], k, "_")

    def mac_ff(q: int, k: int) -> str:
        return ("10.13" if q < 4 else "10.14" if q < 8 else "10.15") if k < 3 else "10.12"

    def ios(q: int, k: int) -> str:
        return _older_minor(_IOS[q], k, "_")

    def cros(q: int, k: int) -> str:
        platform, minor, patch = _CROS[q].split(".")
        return f"{platform}.{max(1, int(minor) - 4 * k)}.{patch}"

    variants: list[tuple[str, str, Callable[[int, int], str]]] = [
        ("mac_chrome", "mac", lambda q, k: f"Mozilla/5.0 (Macintosh; Intel Mac OS X {mac(q, k)}) "
         f"{webkit} Chrome/{_chrome(q, k)} Safari/537.36"),
        ("mac_safari", "mac", lambda q, k: f"Mozilla/5.0 (Macintosh; Intel Mac OS X {mac(q, k)}) "
         f"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{_SAFARI[q]} Safari/605.1.15"),
        ("mac_firefox", "mac", lambda q, k: "Mozilla/5.0 (Macintosh; Intel Mac OS X "
         f"{mac_ff(q, k)}; rv:{_FIREFOX[q]}) Gecko/20100101 Firefox/{_FIREFOX[q]}"),
        ("win_chrome", "windows", lambda q, k: f"Mozilla/5.0 ({win}) {webkit} "
         f"Chrome/{_chrome(q, k)} Safari/537.36"),
        ("win_firefox", "windows", lambda q, k: f"Mozilla/5.0 ({win}; rv:{_FIREFOX[q]}) "
         f"Gecko/20100101 Firefox/{_FIREFOX[q]}"),
        ("win_edge", "windows", lambda q, k: f"Mozilla/5.0 ({win}) {webkit} {_EDGE[q]}"),
        ("linux_chrome", "linux", lambda q, k: f"Mozilla/5.0 (X11; Linux x86_64) {webkit} "
         f"Chrome/{_chrome(q, k)} Safari/537.36"),
        ("linux_firefox", "linux", lambda q, k: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; "
         f"rv:{_FIREFOX[q]}) Gecko/20100101 Firefox/{_FIREFOX[q]}"),
        ("cros_chrome", "chromeos", lambda q, k: f"Mozilla/5.0 (X11; CrOS x86_64 {cros(q, k)}) "
         f"{webkit} Chrome/{_chrome(q, k)} Safari/537.36"),
        ("iphone_safari", "ios", lambda q, k: f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios(q, k)} "
         f"like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{_IOS_SAFARI[q]} "
         "Mobile/15E148 Safari/604.1"),
        ("iphone_chrome", "ios", lambda q, k: f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios(q, k)} "
         f"like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/{_chrome(q, k)} "
         "Mobile/15E148 Safari/604.1"),
    ]
    for model in _ANDROID_MODELS:
        variants.append((
            "android_chrome", "android",
            lambda q, k, m=model: f"Mozilla/5.0 (Linux; Android {_ANDROID[q]}; {m}) {webkit} "
            f"Chrome/{_chrome(q, k)} Mobile Safari/537.36",
        ))
    for model in _SAMSUNG_MODELS:
        variants.append((
            "samsung_internet", "android",
            lambda q, k, m=model: f"Mozilla/5.0 (Linux; Android {_ANDROID[q]}; {m}) {webkit} "
            f"SamsungBrowser/{_SAMSUNG[q]} Chrome/{_chrome(max(0, q - 6), k)} "
            "Mobile Safari/537.36",
        ))
    return variants


# Laptop and phone variant probabilities by name (mass split evenly over models).
_LAPTOP_MIX = {
    "student": {"mac_chrome": 0.6, "mac_safari": 0.08, "mac_firefox": 0.07, "win_chrome": 0.12,
                "win_firefox": 0.02, "win_edge": 0.03, "linux_chrome": 0.025,
                "linux_firefox": 0.015, "cros_chrome": 0.04},
    "staff": {"mac_chrome": 0.75, "mac_safari": 0.08, "mac_firefox": 0.1, "linux_chrome": 0.04,
              "linux_firefox": 0.03},
    "public": {"mac_chrome": 0.33, "mac_safari": 0.07, "mac_firefox": 0.05, "win_chrome": 0.3,
               "win_firefox": 0.05, "win_edge": 0.1, "linux_chrome": 0.05, "cros_chrome": 0.05},
}
_PHONE_MIX = {"iphone_safari": 0.5, "iphone_chrome": 0.08, "android_chrome": 0.3,
              "samsung_internet": 0.12}

# ---------------------------------------------------------------------------------------
# Synthetic cohort names: rivers (PHP), trees (front end), minerals (Java), birds (DS).
# ---------------------------------------------------------------------------------------
_NAMES = {
    1: ("Amazon", "Brazos", "Colorado", "Danube", "Euphrates", "Frio", "Ganges", "Hudson",
        "Indus", "Jordan", "Klamath", "Llano", "Mekong", "Nueces", "Orinoco", "Pecos",
        "Rhine", "Sabine", "Tigris", "Volga"),
    4: ("Aspen", "Birch", "Cedar", "Dogwood"),
    2: ("Agate", "Beryl", "Calcite", "Dolomite", "Emerald", "Fluorite", "Garnet", "Hematite",
        "Iolite", "Jasper", "Kyanite", "Lazurite", "Malachite", "Nephrite", "Obsidian",
        "Pyrite", "Quartz", "Rhodonite", "Sapphire", "Topaz", "Ulexite", "Variscite",
        "Wulfenite", "Xenotime", "Zircon", "Azurite", "Basalt", "Cinnabar", "Diamond",
        "Epidote", "Feldspar", "Galena", "Halite", "Ilmenite", "Jadeite", "Kunzite"),
    3: ("Albatross", "Bittern", "Condor", "Dunlin", "Egret", "Falcon", "Grebe", "Harrier",
        "Ibis", "Jacana"),
}


@dataclass(frozen=True)
class DemoFiles:
    """The files written by ``generate`` and what they contain."""

    requests_path: Path  # the request log
    cohorts_path: Path  # the cohort table
    ground_truth_path: Path  # JSON
    events: int  # number of request lines written (data lines, excluding header)
    cohorts: int  # number of cohort rows written


@dataclass(frozen=True)
class _Cohort:
    id: int
    name: str
    slack: str
    start: date
    end: date
    created_at: str
    updated_at: str
    program_id: int


@dataclass(frozen=True)
class _Roles:
    staff: int
    placeholders: tuple[int, ...]
    overlapping: tuple[int, ...]  # regular cohorts whose dates overlap the log
    older: tuple[int, ...]  # cohorts of programs 1-3 that ended before the log
    front_end: tuple[int, ...]  # program-4 cohorts outside the log: a handful of rows
    overused: int
    decoy: int


@dataclass(frozen=True)
class _Catalog:
    paths: tuple[str, ...]  # index 0 is the empty (missing) path
    module_names: tuple[str, ...]
    module_is_ds: np.ndarray
    index_path: np.ndarray  # module -> its index page
    lesson_keys: np.ndarray  # module + cumulative Zipf weight, for searchsorted
    lesson_paths: np.ndarray
    image_keys: np.ndarray
    image_paths: np.ndarray
    visible: tuple[tuple[int, ...], ...]  # module -> lesson path ids by popularity
    crawlable: tuple[tuple[int, ...], ...]  # module -> every path a crawler finds
    core: dict[int, np.ndarray]  # program -> core module ids in teaching order
    core_bounds: dict[int, np.ndarray]  # program -> cumulative share of the course
    every: dict[int, np.ndarray]  # program -> all its module ids
    home: int
    toc: int
    search: int
    favicon: int


@dataclass
class _Users:
    kind: np.ndarray
    cohort: np.ndarray  # index into cohorts, -1 without
    program: np.ndarray  # 0 without cohort
    start: np.ndarray  # day index: cohort start, or first day of a staff/visitor window
    end: np.ndarray
    activity: np.ndarray
    tau: np.ndarray
    tail: np.ndarray
    stop: np.ndarray
    campus: np.ndarray
    laptop: np.ndarray  # user-agent variant
    phone: np.ndarray
    lag: np.ndarray  # quarters behind the current browser version
    patch: np.ndarray  # patch level of the user's browsers
    is_mac: np.ndarray
    ip_first: np.ndarray  # index of the first home IP in the IP table
    ip_change: np.ndarray  # (users, 3) days on which the home IP changes
    created: np.ndarray  # when the account was made (day index); orders the user ids
    user_id: np.ndarray


@dataclass
class _Sessions:
    user: np.ndarray
    ts0: np.ndarray
    size: np.ndarray
    ip: np.ndarray
    ua: np.ndarray
    module: np.ndarray
    gap: np.ndarray  # median seconds between requests
    clamp: bool  # keep every request on the session's first day


@dataclass
class _Rows:
    ts: np.ndarray
    user: np.ndarray
    ip: np.ndarray
    ua: np.ndarray
    module: np.ndarray
    path: np.ndarray  # -1: to be drawn


class _IpTable:
    """IP strings, appended once each, and a source of new unused addresses."""

    def __init__(self) -> None:
        self.ips: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, ip: str) -> int:
        found = self.index.get(ip)
        if found is None:
            found = len(self.ips)
            self.ips.append(ip)
            self.index[ip] = found
        return found

    def new(self, block: str, rng: np.random.Generator) -> int:
        while True:
            ip = f"{block}.{int(rng.integers(0, 256))}.{int(rng.integers(1, 255))}"
            if ip not in self.index:
                return self.add(ip)


@dataclass
class _World:
    cohorts: list[_Cohort]
    roles: _Roles
    catalog: _Catalog
    users: _Users
    ips: _IpTable
    ua_strings: list[str]
    ua_variant_names: list[str]
    scale: float
    floor: int
    weekday: np.ndarray  # day index -> 0 (Monday) .. 6
    quarter: np.ndarray  # day index -> user-agent quarter
    campus_ips: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    hotspot_ips: np.ndarray
    hotspot_weights: np.ndarray
    overused_path: int  # the lesson one cohort reads far more than the others
    topics: dict[int, list[int]]  # program -> lessons graduates keep coming back to


# =======================================================================================
# Public entry point.
# =======================================================================================
def generate(out_dir: Path, *, events: int = 1_000_000, seed: int = 42,
             cohorts_file: Path | None = None, fmt: str = "csv",
             progress: Callable[[str], None] | None = None) -> DemoFiles:
    """Write a synthetic curriculum access log, a cohort table and the planted ground truth.

    Args:
        out_dir: folder for ``requests.csv`` (or ``requests.txt``), ``cohorts.csv`` and
            ``ground_truth.json``; created if missing.
        events: exact number of request lines to write (at least 1,000).
        seed: random seed; the same arguments give byte-identical files.
        cohorts_file: a cohort table in the real export's format to use instead of the
            synthetic one; it is copied byte for byte and its ids and dates drive the log.
        fmt: ``"csv"`` (with header and user agents) or ``"bootcamp"`` (the original
            space-separated ``date time path user_id cohort_id ip``).
        progress: receives short progress messages.

    Returns:
        The paths written and the numbers of request lines and cohort rows.

    Raises:
        ValueError: for a too small ``events``, a negative seed, an unknown ``fmt`` or an
            unreadable or unsuitable cohorts file.
    """
    _check_arguments(events, seed, fmt)
    report = progress if progress is not None else _quiet
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]

    if cohorts_file is None:
        cohorts = _synthetic_cohorts(streams[0])
        cohort_bytes = _format_cohorts(cohorts).encode("utf-8")
    else:
        cohort_bytes, cohorts = _read_cohorts(Path(cohorts_file))
    roles = _assign_roles(cohorts)
    report(f"cohorts: {len(cohorts):,}")

    world = _build_world(cohorts, roles, events, streams[1])
    report(f"users: {len(world.users.kind):,}")

    rows, truth = _simulate(world, events, streams[2:])
    report(f"requests: {len(rows.ts):,}")

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cohorts_path = out / "cohorts.csv"
    cohorts_path.write_bytes(cohort_bytes)
    requests_path = out / ("requests.csv" if fmt == "csv" else "requests.txt")
    _write_requests(requests_path, fmt, world, rows, report)
    truth_path = out / "ground_truth.json"
    document = {"seed": seed, "events": events, **truth}
    truth_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    report("ground truth written")
    return DemoFiles(requests_path, cohorts_path, truth_path, len(rows.ts), len(cohorts))


def _quiet(_message: str) -> None:
    """Default progress callback: say nothing."""


def _check_arguments(events: int, seed: int, fmt: str) -> None:
    if isinstance(events, bool) or not isinstance(events, (int, np.integer)):
        raise ValueError(f"events must be an integer, got {events!r}")
    if events < MIN_EVENTS:
        raise ValueError(f"events must be at least {MIN_EVENTS:,}, got {events:,}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


# =======================================================================================
# Cohort tables.
# =======================================================================================
def _day(value: date) -> int:
    return (value - LOG_START).days


def _synthetic_cohorts(rng: np.random.Generator) -> list[_Cohort]:
    """About 50 cohorts shaped like the real table, with made-up names."""
    specs: list[tuple[date, date, int]] = []

    def monday(value: date) -> date:
        return value + timedelta(days=(7 - value.weekday()) % 7)

    start = date(2014, 2, 4)
    while start <= date(2017, 6, 30):
        specs.append((start, start + timedelta(days=int(rng.integers(84, 113))), 1))
        start = monday(start + timedelta(days=int(rng.integers(80, 101))))
    for first in (date(2015, 3, 30), date(2015, 11, 2)):
        begin = first + timedelta(days=int(rng.integers(0, 8)))
        specs.append((begin, begin + timedelta(days=int(rng.integers(115, 131))), 4))
    start = date(2016, 9, 26)
    while start <= date(2021, 4, 12):
        specs.append((start, start + timedelta(days=int(rng.integers(140, 184))), 2))
        start = monday(start + timedelta(days=int(rng.integers(50, 72))))
    start = date(2019, 2, 4)
    while start <= date(2021, 4, 12):
        specs.append((start, start + timedelta(days=int(rng.integers(154, 184))), 3))
        start = monday(start + timedelta(days=int(rng.integers(168, 197))))

    def stamp(day: date) -> str:
        moment = datetime(day.year, day.month, day.day) + timedelta(
            seconds=int(rng.integers(8 * 3600, 22 * 3600)))
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    def updated(created: str) -> str:
        if rng.random() < 0.8:
            return created
        later = datetime.strptime(created, "%Y-%m-%d %H:%M:%S") + timedelta(
            seconds=int(rng.integers(600, 90 * 86_400)))
        return later.strftime("%Y-%m-%d %H:%M:%S")

    used = dict.fromkeys(_NAMES, 0)
    drafts: list[tuple[str, str, str, date, date, str, str, int]] = []
    for begin, finish, program in specs:
        names = _NAMES[program]
        name = names[used[program] % len(names)]
        if used[program] >= len(names):
            name += f" {used[program] // len(names) + 1}"
        used[program] += 1
        created = stamp(begin - timedelta(days=int(rng.integers(0, 7))))
        drafts.append((created, name, "#" + name.lower().replace(" ", "-"), begin, finish,
                       created, updated(created), program))
    staff_created = stamp(date(2018, 11, 15) + timedelta(days=int(rng.integers(0, 35))))
    drafts.append((staff_created, "Staff", "#staff", date(2014, 2, 4), date(2014, 2, 4),
                   staff_created, staff_created, 2))
    holder_created = stamp(date(2021, 3, 3))
    drafts.append((holder_created, "Placeholder for students in transition", "#null",
                   date(2021, 3, 3), date(2029, 3, 1), holder_created,
                   updated(holder_created), 2))
    drafts.sort(key=lambda item: (item[0], item[3]))
    ids = itertools.chain(range(1, 35), range(51, 63), itertools.count(132))
    return [
        _Cohort(next(ids), name, slack, begin, finish, created, changed, program)
        for _key, name, slack, begin, finish, created, changed, program in drafts
    ]


def _csv_field(value: str) -> str:
    if any(ch in value for ch in ' ,"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _format_cohorts(cohorts: Sequence[_Cohort]) -> str:
    """The cohort table in the style of the real MySQL export."""
    lines = [",".join(COHORT_COLUMNS)]
    for cohort in cohorts:
        lines.append(
            f"{cohort.id},{_csv_field(cohort.name)},{cohort.slack},{cohort.start.isoformat()},"
            f'{cohort.end.isoformat()},"{cohort.created_at}","{cohort.updated_at}",NULL,'
            f"{cohort.program_id}"
        )
    return "\n".join(lines) + "\n"


def _read_cohorts(path: Path) -> tuple[bytes, list[_Cohort]]:
    """Read and check a user's cohort table; return its bytes and parsed rows."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read cohorts file {path}: {exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"cohorts file {path} is not UTF-8 text: {exc}") from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError(f"cohorts file {path} is empty")
    header = [name.strip() for name in rows[0]]
    missing = [name for name in COHORT_COLUMNS if name not in header]
    if missing:
        raise ValueError(f"cohorts file {path} lacks the columns {', '.join(missing)}")
    cohorts: list[_Cohort] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            raise ValueError(
                f"cohorts file {path}, line {line_no}: {len(row)} fields, expected {len(header)}"
            )
        record = dict(zip(header, (field.strip() for field in row), strict=True))
        try:
            cohort = _Cohort(
                id=int(record["id"]),
                name=record["name"],
                slack=record["slack"],
                start=date.fromisoformat(record["start_date"][:10]),
                end=date.fromisoformat(record["end_date"][:10]),
                created_at=record["created_at"],
                updated_at=record["updated_at"],
                program_id=int(record["program_id"]),
            )
        except ValueError as exc:
            raise ValueError(f"cohorts file {path}, line {line_no}: {exc}") from exc
        if cohort.program_id not in PROGRAMS:
            raise ValueError(
                f"cohorts file {path}, line {line_no}: program_id {cohort.program_id} is not "
                f"one of {sorted(PROGRAMS)}"
            )
        if cohort.end < cohort.start:
            raise ValueError(f"cohorts file {path}, line {line_no}: end_date before start_date")
        cohorts.append(cohort)
    if not cohorts:
        raise ValueError(f"cohorts file {path} has no cohort rows")
    ids = [cohort.id for cohort in cohorts]
    if len(set(ids)) != len(ids):
        raise ValueError(f"cohorts file {path} repeats cohort ids")
    return raw, cohorts


def _assign_roles(cohorts: Sequence[_Cohort]) -> _Roles:
    """Find the staff and placeholder cohorts and pick the cohorts of planted findings."""
    staff = [i for i, c in enumerate(cohorts) if c.name.strip().lower() == "staff"]
    if not staff:
        raise ValueError("the cohort table needs a cohort named 'Staff'")
    placeholders = tuple(i for i, c in enumerate(cohorts)
                         if c.end > _PLACEHOLDER_AFTER and i != staff[0])
    regular = [i for i, c in enumerate(cohorts) if i != staff[0] and i not in placeholders]
    overlapping = tuple(i for i in regular
                        if cohorts[i].end >= LOG_START and cohorts[i].start <= LOG_END)
    older = tuple(i for i in regular if cohorts[i].end < LOG_START
                  and cohorts[i].program_id in (1, 2, 3))
    front_end = tuple(i for i in regular if cohorts[i].program_id == 4
                      and i not in overlapping)
    inside = sorted(
        (i for i in overlapping if cohorts[i].program_id == 2
         and cohorts[i].start >= LOG_START and cohorts[i].end <= LOG_END),
        key=lambda i: (cohorts[i].start, cohorts[i].id),
    )
    if len(inside) < 3:
        raise ValueError("the cohort table needs at least 3 Java (program 2) cohorts whose "
                         f"dates lie inside the log span {LOG_START} .. {LOG_END}")
    overused = inside[(len(inside) - 1) // 2]
    by_end = sorted(inside, key=lambda i: (cohorts[i].end, cohorts[i].id))
    decoy = by_end[-1] if by_end[-1] != overused else by_end[-2]
    for programs, cutoff, what in (((1, 2), WEB_TO_DS_CUTOFF, "web-dev (program 1 or 2)"),
                                   ((3,), DS_TO_WEB_CUTOFF, "data-science (program 3)")):
        if not any(cohorts[i].program_id in programs
                   and cohorts[i].start <= cutoff - timedelta(days=2)
                   for i in overlapping + older):
            raise ValueError(f"the cohort table needs a {what} cohort that starts before "
                             f"{cutoff - timedelta(days=2)}")
    return _Roles(staff[0], placeholders, overlapping, older, front_end, overused, decoy)


# =======================================================================================
# Curricula.
# =======================================================================================
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
        order = np.argsort(np.arange(len(lessons)) + rng.normal(0.0, 1.5, len(lessons)),
                           kind="stable")
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
    module_id = {name: i for i, name in enumerate(names)}
    core, bounds, every = {}, {}, {}
    for program, (core_names, support_names) in _CURRICULA.items():
        core_ids = np.array([module_id[n] for n in core_names], dtype=np.int64)
        lengths = np.array([len(visible[i]) for i in core_ids], dtype=np.float64)
        core[program] = core_ids
        bounds[program] = np.cumsum(lengths) / lengths.sum()
        every[program] = np.array([module_id[n] for n in core_names + support_names],
                                  dtype=np.int64)
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


def _path_parts(catalog: _Catalog, path_id: int) -> dict[str, str]:
    path = catalog.paths[path_id]
    return {"module": path.split("/")[0], "lesson": path.split("/")[-1], "path": path}


def _unique_lessons(catalog: _Catalog) -> set[int]:
    """Visible lessons whose last path segment appears nowhere else in the catalog."""
    counts: dict[str, int] = {}
    for path in catalog.paths:
        last = path.split("/")[-1]
        counts[last] = counts.get(last, 0) + 1
    return {p for lessons in catalog.visible for p in lessons
            if counts[catalog.paths[p].split("/")[-1]] == 1}


# =======================================================================================
# Users, networks, devices.
# =======================================================================================
def _pick(rng: np.random.Generator, mix: dict[str, float], names: list[str],
          size: int) -> np.ndarray:
    """Draw user-agent variants by name, splitting a name's mass over its models."""
    options: list[int] = []
    weights: list[float] = []
    for name, mass in mix.items():
        ids = [i for i, n in enumerate(names) if n == name]
        options.extend(ids)
        weights.extend([mass / len(ids)] * len(ids))
    p = np.array(weights) / sum(weights)
    return np.array(options, dtype=np.int64)[rng.choice(len(options), size=size, p=p)]


def _build_world(cohorts: list[_Cohort], roles: _Roles, events: int,
                 rng: np.random.Generator) -> _World:
    """Users with their cohorts, activity windows, devices and home IPs."""
    scale = min(1.0, events / FULL_SCALE_EVENTS)
    catalog = _build_catalog(rng)
    overused = _pick_overused(catalog, rng)
    topics = _pick_topics(catalog, overused, rng)
    variants = _ua_variants()
    variant_names = [v[0] for v in variants]
    ua_strings = [v[2](q, k) for v in variants for q in range(_QUARTERS)
                  for k in range(_PATCHES)]

    days = np.arange(_N_DAYS)
    weekday = (LOG_START.weekday() + days) % 7
    months = (np.datetime64(LOG_START.isoformat()) + days).astype("datetime64[M]").astype(
        np.int64)
    quarter = np.clip((months - months[0]) // 3, 0, _QUARTERS - 1)

    ips = _IpTable()
    campus_ips = []
    for _block, students, s_weights, staff, t_weights in _CAMPUSES:
        campus_ips.append((
            np.array([ips.add(ip) for ip in students], dtype=np.int64), np.array(s_weights),
            np.array([ips.add(ip) for ip in staff], dtype=np.int64), np.array(t_weights),
        ))
    hotspot_ids: list[int] = []
    hotspot_weights: list[float] = []
    for block, mass in _HOTSPOT_BLOCKS:
        count = int(rng.integers(14, 26))
        hotspot_ids.extend(ips.new(block, rng) for _ in range(count))
        hotspot_weights.extend([mass / count] * count)

    # --- who is there ---
    kind: list[int] = []
    cohort_of: list[int] = []
    start: list[int] = []
    end: list[int] = []
    activity: list[float] = []
    created: list[float] = []

    def add(k: int, c: int, s: int, e: int, a: float, made: float) -> None:
        kind.append(k)
        cohort_of.append(c)
        start.append(s)
        end.append(e)
        activity.append(a)
        created.append(made)

    for c in roles.overlapping:
        base = rng.integers(22, 33) if c != roles.decoy else 16
        n = max(2, round(float(base) * scale))
        s, e = _day(cohorts[c].start), _day(cohorts[c].end)
        # Individual activity varies; each cohort is as active as the next on average,
        # except the decoy, whose students are three times as active.
        spread = rng.lognormal(0.0, 0.45, n)
        spread *= (3.0 if c == roles.decoy else 1.0) / spread.mean()
        for a in spread:
            add(_STUDENT, c, s, e, a, s - rng.uniform(5, 40))
    for c in roles.older:
        n = max(1, round(float(rng.integers(4, 10)) * scale))
        s, e = _day(cohorts[c].start), _day(cohorts[c].end)
        for a in rng.lognormal(0.0, 0.45, n):
            add(_STUDENT, c, s, e, a, s - rng.uniform(5, 40))
    for c in roles.placeholders:
        n = max(2, round(float(rng.integers(3, 6)) * scale))
        s, e = _day(cohorts[c].start), _day(cohorts[c].end)
        for a in rng.lognormal(0.0, 0.3, n):
            add(_PLACEHOLDER, c, s, e, a, s + rng.uniform(0, 10))
    for _ in range(max(3, round(40 * scale))):
        if rng.random() < 0.55:
            s, e = -int(rng.integers(0, 900)), _N_DAYS + 100
        else:
            s = int(rng.integers(-300, _N_DAYS - 120))
            e = s + int(rng.integers(150, 900))
            e = max(e, max(s, 0) + 90)
        add(_STAFF, roles.staff, s, e, float(rng.lognormal(0.0, 0.4)), s - 1000.0)
    for _ in range(max(3, round(65 * scale))):
        s = int(rng.integers(0, _N_DAYS - 20))
        e = s + int(rng.integers(20, 700))
        add(_NO_COHORT, -1, s, e, float(rng.lognormal(0.0, 0.6)), s)
    for c in roles.front_end[:2]:
        s, e = _day(cohorts[c].start), _day(cohorts[c].end)
        add(_FRONT_END, c, s, e, 1.0, s - 10.0)
    n_users = len(kind)
    k = np.array(kind, dtype=np.int64)
    cohort_arr = np.array(cohort_of, dtype=np.int64)
    program = np.array([cohorts[c].program_id if c >= 0 else 0 for c in cohort_of],
                       dtype=np.int64)
    program[k == _STAFF] = 2

    campus_of_cohort = {c: int(rng.random() < 0.3) for c in range(len(cohorts))}
    campus = np.array([campus_of_cohort[c] if c >= 0 else 0 for c in cohort_of],
                      dtype=np.int64)
    staff_rows = np.flatnonzero(k == _STAFF)
    campus[staff_rows] = (rng.random(len(staff_rows)) < 0.2).astype(np.int64)

    older = np.isin(cohort_arr, roles.older) & (k == _STUDENT)
    tail = rng.uniform(0.0, 0.03, n_users)
    tail[older] = rng.uniform(0.015, 0.05, int(older.sum()))
    stop = np.array(end, dtype=np.int64) + rng.exponential(500, n_users).astype(np.int64)
    # Graduates of cohorts before the log come back now and then until some day in it.
    stop[older] = rng.integers(120, _N_DAYS + 400, int(older.sum()))
    users = _Users(
        kind=k, cohort=cohort_arr, program=program,
        start=np.array(start, dtype=np.int64), end=np.array(end, dtype=np.int64),
        activity=np.array(activity), tau=rng.uniform(30, 180, n_users), tail=tail, stop=stop,
        campus=campus, laptop=np.zeros(n_users, dtype=np.int64),
        phone=_pick(rng, _PHONE_MIX, variant_names, n_users),
        lag=rng.choice(3, size=n_users, p=[0.55, 0.35, 0.1]).astype(np.int64),
        patch=rng.integers(0, _PATCHES, n_users),
        is_mac=np.zeros(n_users, dtype=bool), ip_first=np.zeros(n_users, dtype=np.int64),
        ip_change=np.full((n_users, 3), 10**6, dtype=np.int64),
        created=np.array(created), user_id=np.zeros(n_users, dtype=np.int64),
    )
    # The in-session floor: 40 requests from GUARANTEE_EVENTS on; smaller files get a
    # smaller floor (still above the test accounts' 10 when the budget allows it).
    n_protected = int(np.count_nonzero(np.isin(k, (_STUDENT, _PLACEHOLDER))
                                       & ~older & (program != 4))) or 1
    wanted = min(IN_SESSION_FLOOR, max(11, IN_SESSION_FLOOR * events // GUARANTEE_EVENTS))
    floor = min(wanted, int(0.3 * events / n_protected))
    world = _World(cohorts, roles, catalog, users, ips, ua_strings, variant_names, scale,
                   floor, weekday, quarter, campus_ips, np.array(hotspot_ids, dtype=np.int64),
                   np.array(hotspot_weights) / sum(hotspot_weights), overused, topics)
    _assign_devices(world, rng)
    _assign_home_ips(world, rng)
    return world


def _assign_devices(world: _World, rng: np.random.Generator) -> None:
    users = world.users
    names = world.ua_variant_names
    for group, kinds in (("student", (_STUDENT, _PLACEHOLDER, _FRONT_END, _TEST)),
                         ("staff", (_STAFF,)), ("public", (_NO_COHORT, _SCRAPER, _BOT))):
        rows = np.flatnonzero(np.isin(users.kind, kinds))
        users.laptop[rows] = _pick(rng, _LAPTOP_MIX[group], names, len(rows))
    mac = np.array([n.startswith("mac_") for n in names])
    users.is_mac = mac[users.laptop]


def _assign_home_ips(world: _World, rng: np.random.Generator) -> None:
    """One to four home IPs per user over the log, mostly in one ISP's block."""
    users = world.users
    blocks = [b for b, _ in _RESIDENTIAL_BLOCKS]
    weights = np.array([w for _, w in _RESIDENTIAL_BLOCKS])
    weights = weights / weights.sum()
    for u in range(len(users.kind)):
        count = 1 + min(3, int(rng.poisson(1.2)))
        home = blocks[int(rng.choice(len(blocks), p=weights))]
        # New addresses are appended, so a user's IPs have consecutive indices.
        users.ip_first[u] = len(world.ips.ips)
        for _ in range(count):
            other = blocks[int(rng.choice(len(blocks), p=weights))]
            world.ips.new(home if rng.random() < 0.8 else other, rng)
        changes = np.sort(rng.integers(0, _N_DAYS, count - 1))
        users.ip_change[u, : count - 1] = changes


def _user_ids(created: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ids 1..n in order of account creation."""
    order = np.lexsort((rng.random(len(created)), created))
    ids = np.empty(len(created), dtype=np.int64)
    ids[order] = np.arange(1, len(created) + 1)
    return ids


def _add_users(world: _World, kind: int, cohort: Sequence[int], start: Sequence[int],
               end: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    """Append planted users (test accounts, scrapers); return their indices."""
    users = world.users
    n = len(cohort)
    first = len(users.kind)
    cohorts = world.cohorts
    program = [cohorts[c].program_id if c >= 0 else 0 for c in cohort]
    laptop_mix = _LAPTOP_MIX["public" if kind in (_SCRAPER, _BOT) else "student"]
    laptops = _pick(rng, laptop_mix, world.ua_variant_names, n)
    mac = np.array([name.startswith("mac_") for name in world.ua_variant_names])

    def grow(array: np.ndarray, values: Sequence[float] | np.ndarray) -> np.ndarray:
        return np.concatenate([array, np.asarray(values, dtype=array.dtype)])

    users.kind = grow(users.kind, [kind] * n)
    users.cohort = grow(users.cohort, cohort)
    users.program = grow(users.program, program)
    users.start = grow(users.start, start)
    users.end = grow(users.end, end)
    users.activity = grow(users.activity, np.ones(n))
    users.tau = grow(users.tau, np.full(n, 100.0))
    users.tail = grow(users.tail, np.zeros(n))
    users.stop = grow(users.stop, end)
    users.campus = grow(users.campus, np.zeros(n))
    users.laptop = grow(users.laptop, laptops)
    users.phone = grow(users.phone, _pick(rng, _PHONE_MIX, world.ua_variant_names, n))
    users.lag = grow(users.lag, np.zeros(n))
    users.patch = grow(users.patch, rng.integers(0, _PATCHES, n))
    users.is_mac = grow(users.is_mac, mac[laptops])
    users.ip_first = grow(users.ip_first, np.zeros(n))
    users.ip_change = np.concatenate([users.ip_change,
                                      np.full((n, 3), 10**6, dtype=np.int64)])
    users.created = grow(users.created, np.asarray(start, dtype=np.float64) + rng.random(n))
    users.user_id = grow(users.user_id, np.zeros(n))
    return np.arange(first, first + n)


# =======================================================================================
# The simulation.
# =======================================================================================
def _simulate(world: _World, events: int,
              streams: list[np.random.Generator]) -> tuple[_Rows, dict[str, object]]:
    """All request rows (sorted by time) and the ground truth."""
    rng_plant, rng_sess, rng_fix, rng_path, rng_heavy = streams[:5]
    roles = world.roles
    users = world.users
    cohorts = world.cohorts

    # --- planted roles among the students ---
    # Heavy users need many ordinary days for a meaningful median day.
    steady = rng_plant.permutation(_role_candidates(world, 90, users.activity >= 1.0))
    if len(steady) < 5:
        steady = rng_plant.permutation(_role_candidates(world, 30, users.activity > 0))
    heavy = [int(u) for u in steady[:5]]
    picked = [int(u) for u in rng_plant.permutation(_role_candidates(
        world, 30, users.activity > 0)) if int(u) not in heavy]
    ds_first = sorted(picked, key=lambda u: (users.program[u] != 3,))
    if len(picked) < 6 or len(heavy) < 5:
        raise ValueError("the cohort table has too few students in the log to plant findings")
    scraper_students = [ds_first[0]]  # one data-science (or Java) student
    rest = [u for u in picked if u not in scraper_students]
    java_rest = [u for u in rest if users.program[u] == 2]
    scraper_students.append(java_rest[0] if java_rest else rest[0])
    rest = [u for u in rest if u not in scraper_students]
    sharing = rest[:4]

    blocked: dict[int, list[int]] = {}
    sharing_days = {u: _pick_days(world, u, 3 if world.scale < 0.5 else
                                  int(rng_plant.integers(3, 6)), rng_plant, weekdays=False)
                    for u in sharing}
    heavy_days = {u: _pick_days(world, u, 2, rng_plant, weekdays=True) for u in heavy}
    for table in (sharing_days, heavy_days):
        for u, days in table.items():
            blocked.setdefault(u, []).extend(days)

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
    planted_by_group = np.zeros(5)
    for sessions in fixed:
        np.add.at(planted_by_group, _groups(world, sessions.user), sessions.size)
    for rows in explicit:
        np.add.at(planted_by_group, _groups(world, rows.user), 1)

    # --- regular traffic, calibrated to the programme shares ---
    # Binge days: ten of them, each about 12 times a typical active day.
    heavy_estimate = min(10 * 12 * 10 * max(1.0, events / 1_000_000), 0.15 * events)
    regular = _regular_sessions(world, events, planted_by_group, heavy_estimate, blocked,
                                rng_sess)
    reg = _expand(world, regular, rng_sess)
    reg = _drop_blocked(reg, blocked)
    topup = _floor_topup(world, reg, blocked, rng_sess)
    if topup is not None:
        reg = _concat([reg, _expand(world, topup, rng_sess)])

    heavy_sessions, heavy_truth = _plant_heavy(world, reg, heavy_days, events, rng_heavy)
    fixed.append(heavy_sessions)
    two_place_rows, two_place_truth, switch_rows, switch_truth = _plant_concurrent_use(
        world, [u for u in rest[4:] if u not in heavy], streams[7])
    explicit.extend(two_place_rows + switch_rows)
    bot_rows, bot_truth = _plant_non_human(world, events, streams[8])
    explicit.extend(bot_rows)
    planted = [_expand(world, s, rng_sess) for s in fixed] + explicit
    n_planted = sum(len(r.ts) for r in planted)
    if n_planted >= events:
        raise ValueError(f"events={events:,} is too small for the planted findings")
    protect = np.zeros(len(users.kind), dtype=bool)
    protect[heavy] = True
    planted_by_group = np.zeros(5, dtype=np.int64)
    for rows in planted:
        planted_by_group += np.bincount(_groups(world, rows.user), minlength=5)
    reg = _fit_groups(world, reg, events, planted_by_group, protect, rng_fix)

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

    order = np.argsort(rows.ts, kind="stable")
    rows = _Rows(rows.ts[order], rows.user[order], rows.ip[order], rows.ua[order],
                 rows.module[order], rows.path[order])

    topics = world.topics
    truth: dict[str, object] = {
        "log_start": LOG_START.isoformat(),
        "log_end": LOG_END.isoformat(),
        "staff_cohort_id": cohorts[roles.staff].id,
        "placeholder_cohort_ids": [cohorts[c].id for c in roles.placeholders],
        "programs": {str(k): v for k, v in PROGRAMS.items()},
        "test_accounts": test_truth,
        "scrapers": _scraper_truth(world, rows, scraper_truth),
        "credential_sharing": sharing_truth,
        "two_place_sharing": sorted(two_place_truth, key=lambda item: int(str(item["user_id"]))),
        "network_switches": sorted(switch_truth, key=lambda item: int(str(item["user_id"]))),
        "cross_program_access": {
            "web_dev_to_data_science": {"cutoff_date": WEB_TO_DS_CUTOFF.isoformat()},
            "data_science_to_web_dev": {"cutoff_date": DS_TO_WEB_CUTOFF.isoformat()},
        },
        "post_graduation_topics": {
            str(p): [_path_parts(world.catalog, t) for t in ids] for p, ids in topics.items()
        },
        "overused_lesson": _overused_truth(world, rows),
        "more_active_cohort": _decoy_truth(world, rows),
        "ip_blocks": [{"block": b, "kind": "organisation"} for b, *_ in _CAMPUSES]
        + [{"block": b, "kind": "hotspot"} for b, _ in _HOTSPOT_BLOCKS]
        + [{"block": b, "kind": "residential"} for b, _ in _RESIDENTIAL_BLOCKS],
        "heavy_usage_days": _heavy_truth(world, rows, heavy_truth),
        **{kind: _bot_truth(world, rows, items) for kind, items in bot_truth.items()},
        "missing_path_rows": int(np.count_nonzero(rows.path == 0)),
    }
    return rows, truth


def _groups(world: _World, user: np.ndarray) -> np.ndarray:
    """Calibration group of each user."""
    users = world.users
    kind = users.kind[user]
    program = users.program[user]
    group = np.full(len(user), _G_JAVA, dtype=np.int64)
    group[program == 1] = _G_PHP
    group[program == 3] = _G_DS
    no_cohort = (kind == _NO_COHORT) | (kind == _BOT)
    group[no_cohort | ((kind == _SCRAPER) & (users.cohort[user] < 0))] = _G_NO_COHORT
    group[kind == _STAFF] = _G_STAFF
    return group


def _in_log(world: _World, u: int) -> tuple[int, int]:
    """The user's cohort dates clipped to the log, as day indices."""
    return max(0, int(world.users.start[u])), min(_N_DAYS - 1, int(world.users.end[u]))


def _role_candidates(world: _World, days: int, also: np.ndarray) -> np.ndarray:
    """Regular students with at least ``days`` days in session inside the log."""
    users = world.users
    roles = world.roles
    s = np.maximum(users.start, 0)
    e = np.minimum(users.end, _N_DAYS - 1)
    ok = (users.kind == _STUDENT) & (e - s >= days) & (users.program != 4) & also
    ok &= ~np.isin(users.cohort, [roles.overused, roles.decoy])
    return np.flatnonzero(ok)


def _pick_days(world: _World, u: int, count: int, rng: np.random.Generator,
               weekdays: bool) -> list[int]:
    """Distinct in-session days of a student, spread over the course."""
    s, e = _in_log(world, u)
    days = np.arange(s, e + 1)
    if weekdays:
        days = days[world.weekday[days] < 5]
    chosen = rng.choice(days, size=min(count, len(days)), replace=False)
    return sorted(int(d) for d in chosen)


def _home_ip(world: _World, user: np.ndarray, day: np.ndarray) -> np.ndarray:
    users = world.users
    moved = (day[:, None] >= users.ip_change[user]).sum(axis=1)
    return users.ip_first[user] + moved


def _ua(world: _World, variant: np.ndarray, lag: np.ndarray, day: np.ndarray,
        patch: np.ndarray) -> np.ndarray:
    q = np.clip(world.quarter[day] - lag, 0, _QUARTERS - 1)
    return (variant * _QUARTERS + q) * _PATCHES + patch


def _phase(world: _World, user: np.ndarray, day: np.ndarray) -> np.ndarray:
    """0 before the course, 1 in session, 2 graduated, 3 not a student."""
    users = world.users
    kind = users.kind[user]
    s = users.start[user]
    e = users.end[user]
    phase = np.where(day < s, 0, np.where(day <= e, 1, 2))
    student = np.isin(kind, (_STUDENT, _FRONT_END, _TEST, _PLACEHOLDER))
    phase = np.where(student, phase, 3)
    return np.where(kind == _PLACEHOLDER, np.where(day >= s, 1, 0), phase)


def _focus_modules(world: _World, user: np.ndarray, day: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """The module a session is about: students follow their course's progress."""
    users = world.users
    catalog = world.catalog
    n = len(user)
    module = np.zeros(n, dtype=np.int64)
    phase = _phase(world, user, day)
    program = users.program[user]
    kind = users.kind[user]
    for p in PROGRAMS:
        core = catalog.core[p]
        every = catalog.every[p]
        mask = (program == p) & (phase < 3) & (kind != _STAFF)
        if not mask.any():
            continue
        rows = np.flatnonzero(mask)
        s = users.start[user[rows]]
        e = users.end[user[rows]]
        progress = (day[rows] - s) / np.maximum(1, e - s + 1)
        noisy = np.clip(progress + rng.normal(0.0, 0.06, len(rows)), 0.0, 0.999999)
        chosen = core[np.searchsorted(catalog.core_bounds[p], noisy, side="right")]
        anywhere = every[rng.integers(0, len(every), len(rows))]
        support = every[len(core):]
        if len(support):
            extra = support[rng.integers(0, len(support), len(rows))]
            chosen = np.where(rng.random(len(rows)) < 0.12, extra, chosen)
        ph = phase[rows]
        placeholder = kind[rows] == _PLACEHOLDER
        chosen = np.where(ph == 0, core[0], chosen)
        chosen = np.where((ph == 2) | placeholder, anywhere, chosen)
        module[rows] = chosen
    others = np.flatnonzero((phase == 3) | (kind == _STAFF))
    if len(others):
        module[others] = _any_module(world, kind[others] == _STAFF, rng)
    return module


def _any_module(world: _World, is_staff: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A module of either curriculum (staff 25 % data science, visitors 15 %)."""
    ds = world.catalog.module_is_ds
    web_ids = np.flatnonzero(~ds)
    ds_ids = np.flatnonzero(ds)
    n = len(is_staff)
    take_ds = rng.random(n) < np.where(is_staff, 0.25, 0.15)
    return np.where(take_ds, ds_ids[rng.integers(0, len(ds_ids), n)],
                    web_ids[rng.integers(0, len(web_ids), n)])


def _size_table() -> tuple[np.ndarray, np.ndarray]:
    """Session sizes 1..80 with a log-normal shape (median about 9 requests)."""
    sizes = np.arange(1, 81)
    pmf = np.exp(-((np.log(sizes) - math.log(9.0)) ** 2) / (2 * 0.8**2)) / sizes
    return sizes, pmf / pmf.sum()


def _day_weights(world: _World, rows: np.ndarray) -> np.ndarray:
    """Expected relative number of sessions per (user, day) for regular users."""
    users = world.users
    d = np.arange(_N_DAYS)[None, :]
    wd = world.weekday[None, :]
    kind = users.kind[rows][:, None]
    s = users.start[rows][:, None]
    e = users.end[rows][:, None]
    week_school = np.where(wd < 5, 1.0, np.where(wd == 5, 0.45, 0.4))
    week_free = np.where(wd < 5, 1.0, 0.9)
    week_staff = np.where(wd < 5, 1.0, 0.15)
    since = np.maximum(d - e, 0)
    grad = (0.18 * np.exp(-since / users.tau[rows][:, None]) + users.tail[rows][:, None])
    grad = grad * (d > e) * (d <= users.stop[rows][:, None]) * week_free
    student = (((d >= s - 21) & (d < s)) * 0.12 * week_school
               + ((d >= s) & (d <= e)) * week_school + grad)
    window = ((d >= s) & (d <= e)).astype(np.float64)
    weights = np.where(kind == _STUDENT, student, 0.0)
    weights = np.where(kind == _STAFF, window * week_staff, weights)
    weights = np.where(kind == _NO_COHORT, window * week_free, weights)
    weights = np.where(kind == _PLACEHOLDER, (d >= s) * week_school, weights)
    return weights * users.activity[rows][:, None]


def _regular_sessions(world: _World, events: int, planted: np.ndarray, heavy: float,
                      blocked: dict[int, list[int]], rng: np.random.Generator) -> _Sessions:
    """Sessions of everyone's ordinary traffic, about as many requests as needed."""
    users = world.users
    rows = np.flatnonzero(np.isin(users.kind, (_STUDENT, _STAFF, _NO_COHORT, _PLACEHOLDER)))
    weights = _day_weights(world, rows)
    position = {int(u): i for i, u in enumerate(rows)}
    for u, days in blocked.items():
        weights[position[u], days] = 0.0
    sizes, pmf = _size_table()
    mean_size = float((sizes * pmf).sum()) * 0.95  # phone sessions are shorter
    group = _groups(world, rows)
    targets = np.maximum(_share_targets(events) - planted, 0.0)
    targets[_G_JAVA] = max(0.0, events - planted.sum() - heavy - targets.sum())
    mass = np.bincount(group, weights=weights.sum(axis=1), minlength=5)
    factor = np.divide(0.98 * targets, mass * mean_size, out=np.zeros(5), where=mass > 0)
    counts = rng.poisson(weights * factor[group][:, None])
    uu, dd = np.nonzero(counts)
    repeat = counts[uu, dd]
    user = rows[np.repeat(uu, repeat)]
    day = np.repeat(dd, repeat)
    return _session_details(world, user, day, rng)


def _session_details(world: _World, user: np.ndarray, day: np.ndarray,
                     rng: np.random.Generator, location: np.ndarray | None = None,
                     start: np.ndarray | None = None) -> _Sessions:
    """Where, when, on which device and about what each session is."""
    users = world.users
    n = len(user)
    kind = users.kind[user]
    phase = _phase(world, user, day)
    weekend = world.weekday[day] >= 5
    # 0 in session, 1 before/after the course, 2 staff, 3 visitors.
    cls = np.where(phase == 1, 0, np.where(phase < 3, 1, np.where(kind == _STAFF, 2, 3)))
    if location is None:
        p_campus = np.array([0.58, 0.0, 0.8, 0.0])[cls]
        p_hot = np.array([0.06, 0.1, 0.03, 0.12])[cls]
        # Public hotspots are at least as busy per day at weekends as on weekdays.
        n_weekdays = np.count_nonzero(world.weekday < 5)
        wanted = 1.25 * p_hot[~weekend].sum() / n_weekdays * (_N_DAYS - n_weekdays)
        base = p_hot[weekend].sum()
        boost = wanted / base if base > 0 else 1.0
        p_hot = np.where(weekend, np.minimum(0.6, p_hot * boost), p_hot)
        p_campus = np.where(weekend, np.where(cls == 2, 0.02, 0.0), p_campus)
        draw = rng.random(n)
        location = np.where(draw < p_campus, _CAMPUS,
                            np.where(draw < p_campus + p_hot, _HOTSPOT, _HOME))
    if start is None:
        start = _start_seconds(location, weekend, kind == _STAFF, rng)
    phone_p = np.where(location == _HOME, 0.15, np.where(location == _HOTSPOT, 0.6, 0.0))
    device = np.where(rng.random(n) < phone_p, _PHONE, _LAPTOP)
    # In class, students without a Mac of their own work on a loaner MacBook.
    lab = (location == _CAMPUS) & (kind != _STAFF) & ~users.is_mac[user]
    device = np.where(lab, _LAB, device)
    variant = np.where(device == _PHONE, users.phone[user],
                       np.where(device == _LAB, _MAC_CHROME, users.laptop[user]))
    ua = _ua(world, variant, np.where(device == _LAB, 0, users.lag[user]), day,
             users.patch[user])

    ip = _home_ip(world, user, day)
    hot = np.flatnonzero(location == _HOTSPOT)
    ip[hot] = world.hotspot_ips[rng.choice(len(world.hotspot_ips), size=len(hot),
                                           p=world.hotspot_weights)]
    for number, (students, s_w, staff, t_w) in enumerate(world.campus_ips):
        here = (location == _CAMPUS) & (users.campus[user] == number)
        for pool, weights, who in ((students, s_w, kind != _STAFF), (staff, t_w,
                                                                      kind == _STAFF)):
            rows = np.flatnonzero(here & who)
            ip[rows] = pool[rng.choice(len(pool), size=len(rows), p=weights)]

    sizes, pmf = _size_table()
    size = sizes[rng.choice(len(sizes), size=n, p=pmf)]
    size = np.where(device == _PHONE, (size + 1) // 2, size)
    return _Sessions(user=user, ts0=day * _DAY_SECONDS + start, size=size, ip=ip, ua=ua,
                     module=_focus_modules(world, user, day, rng), gap=np.full(n, 30.0),
                     clamp=False)


def _start_seconds(location: np.ndarray, weekend: np.ndarray, staff: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Session start times by place: class hours, evenings at home, hotspot peaks."""
    n = len(location)
    hour = 3600.0
    part = rng.random(n)
    class_time = np.where(part < 0.55, rng.uniform(8.5, 12.0, n), rng.uniform(13.0, 17.0, n))
    work_time = rng.uniform(8.0, 17.5, n)
    evening = np.clip(rng.normal(20.3, 1.3, n), 17.5, 23.5)
    home_weekday = np.where(part < 0.7, evening, np.where(part < 0.85,
                                                          rng.uniform(6.0, 8.5, n),
                                                          rng.uniform(9.0, 17.0, n)))
    home_weekend = np.where(part < 0.3, rng.uniform(9.0, 13.0, n),
                            np.where(part < 0.6, rng.uniform(13.0, 18.0, n), evening))
    morning = np.clip(rng.normal(8.0, 0.6, n), 6.5, 9.5)
    late = np.clip(rng.normal(19.0, 1.1, n), 17.0, 21.5)
    hotspot = np.where(part < 0.4, morning, np.where(part < 0.85, late,
                                                     rng.uniform(11.0, 16.0, n)))
    hours = np.where(location == _CAMPUS, np.where(staff, work_time, class_time),
                     np.where(location == _HOTSPOT, hotspot,
                              np.where(weekend, home_weekend, home_weekday)))
    return (hours * hour).astype(np.int64)


def _expand(world: _World, sessions: _Sessions, rng: np.random.Generator) -> _Rows:
    """One row per request: sessions repeated by size, times by cumulative gaps."""
    size = sessions.size.astype(np.int64)
    total = int(size.sum())
    sid = np.repeat(np.arange(len(size)), size)
    gaps = np.rint(rng.lognormal(0.0, 1.0, total) * sessions.gap[sid])
    gaps = np.clip(gaps, 1, 600).astype(np.int64)
    first = np.cumsum(size) - size
    gaps[first[size > 0]] = 0
    done = np.cumsum(gaps)
    ts = sessions.ts0[sid] + done - done[first][sid]
    if sessions.clamp:
        ts = np.minimum(ts, (sessions.ts0[sid] // _DAY_SECONDS + 1) * _DAY_SECONDS - 1)
    ts = np.minimum(ts, _LAST_TS)
    return _rows(ts, sessions.user[sid], sessions.ip[sid], sessions.ua[sid],
                 sessions.module[sid], np.full(total, -1))


def _rows(ts: np.ndarray, user: np.ndarray, ip: np.ndarray, ua: np.ndarray,
          module: np.ndarray, path: np.ndarray) -> _Rows:
    """Rows with compact integer columns (10 million rows stay well under 1 GB)."""
    small = np.int32
    return _Rows(np.asarray(ts, dtype=np.int64), np.asarray(user, dtype=small),
                 np.asarray(ip, dtype=small), np.asarray(ua, dtype=small),
                 np.asarray(module, dtype=small), np.asarray(path, dtype=small))


def _concat(parts: Sequence[_Rows]) -> _Rows:
    return _Rows(*(np.concatenate([getattr(p, f) for p in parts])
                   for f in ("ts", "user", "ip", "ua", "module", "path")))


def _take(rows: _Rows, index: np.ndarray) -> _Rows:
    return _Rows(rows.ts[index], rows.user[index], rows.ip[index], rows.ua[index],
                 rows.module[index], rows.path[index])


def _drop_blocked(rows: _Rows, blocked: dict[int, list[int]]) -> _Rows:
    """Remove regular rows on days that planted traffic owns."""
    keys = [u * _N_DAYS + d for u, days in blocked.items() for d in days]
    if not keys:
        return rows
    hit = np.isin(rows.user * _N_DAYS + rows.ts // _DAY_SECONDS, np.array(keys))
    return _take(rows, np.flatnonzero(~hit))


def _in_session_counts(world: _World, rows: _Rows) -> np.ndarray:
    users = world.users
    day = rows.ts // _DAY_SECONDS
    inside = (day >= users.start[rows.user]) & (day <= users.end[rows.user])
    return np.bincount(rows.user[inside], minlength=len(users.kind))


def _protected(world: _World) -> np.ndarray:
    """Regular students (and placeholders) whose cohort overlaps the log."""
    users = world.users
    overlaps = (users.end >= 0) & (users.start <= _N_DAYS - 1)
    return np.isin(users.kind, (_STUDENT, _PLACEHOLDER)) & overlaps


def _floor_topup(world: _World, rows: _Rows, blocked: dict[int, list[int]],
                 rng: np.random.Generator) -> _Sessions | None:
    """Extra class-time sessions so that every student reaches the in-session floor."""
    if world.floor <= 0:
        return None
    counts = _in_session_counts(world, rows)
    short = np.flatnonzero(_protected(world) & (counts < world.floor))
    if not len(short):
        return None
    # Spread each student's missing requests over a few class days, about ten a day.
    user_parts, day_parts, size_parts = [], [], []
    for u in short:
        s, e = _in_log(world, int(u))
        options = np.arange(s, e + 1)
        options = options[~np.isin(options, blocked.get(int(u), []))]
        week = options[world.weekday[options] < 5]
        options = week if len(week) else options
        need = world.floor - int(counts[u]) + int(rng.integers(3, 9))
        n_days = min(len(options), max(1, need // 10))
        chosen = rng.choice(options, size=n_days, replace=False)
        user_parts.append(np.full(n_days, u))
        day_parts.append(np.sort(chosen))
        size_parts.append(np.bincount(rng.integers(0, n_days, need - n_days),
                                      minlength=n_days) + 1)
    user = np.concatenate(user_parts).astype(np.int64)
    day = np.concatenate(day_parts).astype(np.int64)
    start = rng.integers(10 * 3600, 14 * 3600, len(user))
    sessions = _session_details(world, user, day, rng,
                                location=np.where(world.weekday[day] < 5, _CAMPUS, _HOME),
                                start=start)
    sessions.size = np.concatenate(size_parts).astype(np.int64)
    sessions.clamp = True
    return sessions


def _share_targets(events: int) -> np.ndarray:
    """Rows per calibration group (all rows, planted ones included); Java gets the rest."""
    targets = np.zeros(5)
    targets[_G_STAFF] = _SHARE_STAFF * events
    targets[_G_NO_COHORT] = _SHARE_NO_COHORT * events
    targets[_G_PHP] = _SHARE_PHP * events
    targets[_G_DS] = _SHARE_DS * events
    return targets


def _fit_groups(world: _World, rows: _Rows, events: int, planted: np.ndarray,
                protect: np.ndarray, rng: np.random.Generator) -> _Rows:
    """Fit the regular rows of each group to its share, so that the file has ``events``."""
    group = _groups(world, rows.user)
    wanted = np.maximum(np.rint(_share_targets(events)) - planted, 0).astype(np.int64)
    parts = []
    for g in (_G_STAFF, _G_NO_COHORT, _G_PHP, _G_DS):
        part = _take(rows, np.flatnonzero(group == g))
        parts.append(_fit_total(world, part, int(wanted[g]), protect, rng) if len(part.ts)
                     else part)
    rest = events - int(planted.sum()) - sum(len(p.ts) for p in parts)
    java = _take(rows, np.flatnonzero(group == _G_JAVA))
    parts.append(_fit_total(world, java, max(0, rest), protect, rng))
    fitted = _concat(parts)
    missing = events - int(planted.sum()) - len(fitted.ts)
    if missing:  # only when floors leave too little room in a very small file
        fitted = _fit_total(world, fitted, len(fitted.ts) + missing, protect, rng)
    return fitted


def _fit_total(world: _World, rows: _Rows, target: int, protect: np.ndarray,
               rng: np.random.Generator) -> _Rows:
    """Add or remove regular rows so that exactly ``target`` remain.

    Rows are removed uniformly, except that no student drops below the in-session
    floor and protected users keep all their rows; added rows extend existing sessions
    within the same day.
    """
    n = len(rows.ts)
    if n == target:
        return rows
    users = world.users
    own = protect[rows.user]
    if n > target:
        day = rows.ts // _DAY_SECONDS
        in_session = ((day >= users.start[rows.user]) & (day <= users.end[rows.user])
                      & _protected(world)[rows.user])
        spare = np.maximum(_in_session_counts(world, rows) - world.floor, 0)
        order = rng.permutation(np.flatnonzero(~own))
        # Rank of each in-session row among its user's, in the random order.
        counted = order[in_session[order]]
        by_user = np.argsort(rows.user[counted], kind="stable")
        grouped = rows.user[counted][by_user]
        starts = np.searchsorted(grouped, grouped, side="left")
        rank = np.empty(len(counted), dtype=np.int64)
        rank[by_user] = np.arange(len(counted)) - starts
        allowed = np.ones(len(order), dtype=bool)
        allowed[in_session[order]] = rank < spare[rows.user[counted]]
        drop = order[allowed][: n - target]
        if len(drop) < n - target:  # only with very small files
            drop = order[: n - target]
        if len(drop) < n - target:
            drop = rng.permutation(n)[: n - target]
        keep = np.ones(n, dtype=bool)
        keep[drop] = False
        return _take(rows, np.flatnonzero(keep))
    seconds = rows.ts % _DAY_SECONDS
    pool = np.flatnonzero(~own & (seconds >= 900) & (seconds < _DAY_SECONDS - 900))
    if not len(pool):
        pool = np.flatnonzero(~own) if (~own).any() else np.arange(n)
    if not len(pool):
        return rows
    copy = _take(rows, pool[rng.integers(0, len(pool), target - n)])
    copy.ts = copy.ts + rng.integers(-120, 121, len(copy.ts))
    copy.ts = np.clip(copy.ts, 0, _LAST_TS)
    return _concat([rows, copy])


# ---------------------------------------------------------------------------------------
# Planted findings.
# ---------------------------------------------------------------------------------------
def _single_sessions(world: _World, user: np.ndarray, day: np.ndarray, seconds: np.ndarray,
                     size: np.ndarray, ip: np.ndarray, ua: np.ndarray,
                     rng: np.random.Generator, gap: float = 30.0) -> _Sessions:
    return _Sessions(user=user, ts0=day * _DAY_SECONDS + seconds, size=size, ip=ip, ua=ua,
                     module=_focus_modules(world, user, day, rng),
                     gap=np.full(len(user), gap), clamp=True)


def _plant_test_accounts(world: _World,
                         rng: np.random.Generator) -> tuple[_Sessions, list[dict[str, object]]]:
    """Eight one-day accounts with 1-8 requests, three on the staff IP."""
    roles = world.roles
    cohorts = world.cohorts
    users = world.users
    choices = [c for c in roles.overlapping if world.cohorts[c].program_id != 4]
    cohort = [int(c) for c in rng.choice(choices, size=8)]
    days = []
    for c in cohort:
        s = max(0, _day(cohorts[c].start))
        e = min(_N_DAYS - 1, _day(cohorts[c].end))
        options = np.arange(s, e + 1)
        week = options[world.weekday[options] < 5]
        days.append(int(rng.choice(week if len(week) else options)))
    new = _add_users(world, _TEST, cohort, days, days, rng)
    on_staff = np.zeros(8, dtype=bool)
    on_staff[rng.choice(8, size=3, replace=False)] = True
    staff_ip = world.ips.add(_STAFF_TEST_IP)
    blocks = [b for b, _ in _RESIDENTIAL_BLOCKS]
    ip = np.array([staff_ip if on_staff[i]
                   else world.ips.new(blocks[int(rng.integers(0, len(blocks)))], rng)
                   for i in range(8)])
    users.ip_first[new] = ip
    day = np.array(days, dtype=np.int64)
    variant = np.where(on_staff, _MAC_CHROME, users.laptop[new])
    size = rng.integers(1, 9, 8)
    seconds = np.where(on_staff, rng.integers(10 * 3600, 15 * 3600, 8),
                       rng.integers(18 * 3600, 21 * 3600, 8))
    sessions = _single_sessions(world, new, day, seconds, size, ip,
                                _ua(world, variant, np.zeros(8, dtype=np.int64), day,
                                    users.patch[new]), rng,
                                gap=40.0)
    truth = [  # user indices for now; ids are given once every account exists
        {"user_id": int(u), "cohort_id": cohorts[c].id,
         "date": (LOG_START + timedelta(days=d)).isoformat(), "requests": int(k),
         "ip": world.ips.ips[i], "on_staff_ip": bool(f)}
        for u, c, d, k, i, f in zip(new, cohort, days, size, ip, on_staff, strict=True)
    ]
    return sessions, truth


def _plant_scrapers(world: _World, students: Sequence[int], rng: np.random.Generator
                    ) -> tuple[list[_Rows], list[dict[str, object]]]:
    """Six crawlers on datacenter blocks, 1-3 night-time bursts each."""
    catalog = world.catalog
    users = world.users
    everything = [p for module in catalog.crawlable for p in module]
    shared = [catalog.home, catalog.toc, catalog.search, catalog.favicon]
    account: list[int] = []
    new_slots = [i for i in range(6) if i not in _SCRAPERS_WITH_STUDENT_ACCOUNT]
    first_days = {i: int(rng.integers(0, _N_DAYS - 40)) for i in new_slots}
    new = _add_users(world, _SCRAPER, [-1] * len(new_slots),
                     [first_days[i] for i in new_slots], [_N_DAYS] * len(new_slots), rng)
    new_by_slot = dict(zip(new_slots, new.tolist(), strict=True))
    agents = []
    for text in _SCRAPER_AGENTS:
        agents.append(len(world.ua_strings))
        world.ua_strings.append(text)
        world.ua_variant_names.append("scraper")
    rows: list[_Rows] = []
    truth: list[dict[str, object]] = []
    student_iter = iter(students)
    for i in range(6):
        if i in _SCRAPERS_WITH_STUDENT_ACCOUNT:
            u = next(student_iter)
            universe = [p for m in catalog.every[int(users.program[u])]
                        for p in catalog.crawlable[m]] + shared
            s, _e = _in_log(world, u)
            first = int(rng.integers(s, max(s + 1, _N_DAYS - 40)))
        else:
            u = new_by_slot[i]
            universe = everything + shared
            first = first_days[i]
        account.append(u)
        ip = world.ips.new(_SCRAPER_BLOCKS[i], rng)
        high = 1.0 if i in _SCRAPERS_WITH_STUDENT_ACCOUNT else 0.95
        coverage = rng.uniform(high - 0.15, high) * min(1.0, world.scale)
        distinct = max(12, round(coverage * len(universe)))
        crawl = rng.permutation(np.array(universe, dtype=np.int64))[:distinct]
        bursts = int(rng.integers(1, 4))
        offsets = [0, *sorted(rng.choice(np.arange(1, 30), size=bursts - 1, replace=False))]
        burst_rows = []
        for number, offset in enumerate(offsets):
            day = min(_N_DAYS - 1, first + int(offset))
            if number == 0:
                paths = crawl
            else:
                share = rng.uniform(0.2, 0.6)
                paths = rng.permutation(crawl)[: max(1, round(share * len(crawl)))]
            start = day * _DAY_SECONDS + int(rng.integers(0, 3 * 3600))
            ts = start + np.concatenate([[0], np.cumsum(rng.integers(1, 4, len(paths) - 1))])
            burst_rows.append(_rows(
                np.minimum(ts, _LAST_TS), np.full(len(paths), u), np.full(len(paths), ip),
                np.full(len(paths), agents[i]), np.full(len(paths), -1), paths))
        rows.append(_concat(burst_rows))
        truth.append({"ip": world.ips.ips[ip], "user_index": u,
                      "user_agent_kind": _SCRAPER_KINDS[i], "user_agent": _SCRAPER_AGENTS[i]})
    return rows, truth


def _scraper_truth(world: _World, rows: _Rows,
                   found: list[dict[str, object]]) -> list[dict[str, object]]:
    out = []
    for item in found:
        ip = world.ips.index[str(item["ip"])]
        mine = rows.ip == ip
        days = np.unique(rows.ts[mine] // _DAY_SECONDS)
        out.append({
            "ip": item["ip"],
            "user_id": int(world.users.user_id[int(str(item["user_index"]))]),
            "user_agent_kind": item["user_agent_kind"],
            "user_agent": item["user_agent"],
            "requests": int(np.count_nonzero(mine)),
            "distinct_paths": len(np.unique(rows.path[mine])),
            "dates": [(LOG_START + timedelta(days=int(d))).isoformat() for d in days],
        })
    return out


def _plant_cross_access(world: _World, exclude: set[int],
                        rng: np.random.Generator) -> list[_Rows]:
    """A few cross-program lessons on each of the two days before each cut-off."""
    users = world.users
    catalog = world.catalog
    out = []
    for programs, cutoff, target in (((1, 2), WEB_TO_DS_CUTOFF, 3),
                                     ((3,), DS_TO_WEB_CUTOFF, 2)):
        lessons = [p for m in catalog.every[target] for p in catalog.visible[m]]
        for back in (2, 1):
            day = _day(cutoff) - back
            started = ((users.kind == _STUDENT) & np.isin(users.program, programs)
                       & (users.start <= day))
            free = ~np.isin(np.arange(len(started)), sorted(exclude))
            in_session = started & (users.end >= day)
            # Prefer a student in session with no other planted role; tiny files may
            # have to fall back on anyone of the program.
            for pool in (in_session & free, started & free, in_session, started):
                if pool.any():
                    break
            u = int(rng.choice(np.flatnonzero(pool)))
            count = 2
            d = np.full(count, day)
            ts = day * _DAY_SECONDS + 15 * 3600 + np.arange(count) * int(rng.integers(20, 90))
            uu = np.full(count, u)
            out.append(_rows(
                ts, uu, _home_ip(world, uu, d),
                _ua(world, users.laptop[uu], users.lag[uu], d, users.patch[uu]),
                np.full(count, -1), rng.choice(lessons, size=count)))
    return out


def _plant_sharing(world: _World, days_by_user: dict[int, list[int]],
                   rng: np.random.Generator) -> tuple[_Sessions, list[dict[str, object]]]:
    """Students whose login is used from 6-10 IPs in 4+ blocks within three hours."""
    blocks = [b for b, _ in _RESIDENTIAL_BLOCKS]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("user", "day", "sec", "size",
                                                          "ip", "ua")}
    truth = []
    all_variants = np.flatnonzero([name not in ("scraper", "bot")
                                   for name in world.ua_variant_names])
    for u, days in days_by_user.items():
        ips_by_day: dict[str, list[str]] = {}
        for day in days:
            n = int(rng.integers(6, 11))
            order = rng.permutation(len(blocks))
            ip = np.array([world.ips.new(blocks[order[i % len(blocks)]], rng)
                           for i in range(n)])
            begin = int(rng.integers(17 * 3600, 20 * 3600))
            parts["user"].append(np.full(n, u))
            parts["day"].append(np.full(n, day))
            parts["sec"].append(begin + np.sort(rng.integers(0, 2 * 3600, n)))
            high = 5 if world.scale >= 0.5 else 2
            parts["size"].append(rng.integers(1, high, n))
            parts["ip"].append(ip)
            variant = rng.choice(all_variants, size=n)
            parts["ua"].append(_ua(world, variant, rng.integers(0, 2, n), np.full(n, day),
                                   rng.integers(0, _PATCHES, n)))
            ips_by_day[(LOG_START + timedelta(days=day)).isoformat()] = sorted(
                world.ips.ips[i] for i in ip)
        truth.append({"user_id": int(u), "dates": sorted(ips_by_day), "ips": ips_by_day})
    joined = {k: np.concatenate(v).astype(np.int64) for k, v in parts.items()}
    sessions = _single_sessions(world, joined["user"], joined["day"], joined["sec"],
                                joined["size"], joined["ip"], joined["ua"], rng)
    return sessions, truth


# ---------------------------------------------------------------------------------------
# Concurrent use (issue 14): one login used by two people in two cities in the same
# hours, and its innocent look-alikes, which must not be flagged: a phone leaving the
# campus Wi-Fi for its cellular network (one switch), and a phone on a cellular network
# beside a laptop on campus (two places at once, but two devices of one person).
# ---------------------------------------------------------------------------------------
# Mobile carriers' /16 blocks: a phone off the Wi-Fi (no kind of their own in the truth).
CELLULAR_BLOCKS = ("172.58", "174.215")
_CONCURRENT_USERS = 3  # accounts of each kind
_CONCURRENT_DAYS = 3  # days per account


def _timed_rows(world: _World, u: int, day: int, start: int, count: int, ip: int, ua: int,
                rng: np.random.Generator, gap: tuple[int, int] = (40, 150)) -> _Rows:
    """``count`` requests of one device from ``start`` (seconds of the day) on."""
    steps = rng.integers(gap[0], gap[1], count)
    steps[0] = 0
    ts = day * _DAY_SECONDS + start + np.cumsum(steps)
    user = np.full(count, u)
    module = np.repeat(_focus_modules(world, user[:1], np.array([day]), rng), count)
    return _rows(ts.astype(np.int64), user, np.full(count, ip), np.full(count, ua), module,
                 np.full(count, -1))


def _device_ua(world: _World, name: str, u: int, day: int) -> int:
    users = world.users
    variant = world.ua_variant_names.index(name)
    return int(_ua(world, np.array([variant]), np.array([users.lag[u]]), np.array([day]),
                   np.array([users.patch[u]]))[0])


def _campus_ip(world: _World, u: int) -> int:
    students = world.campus_ips[int(world.users.campus[u])][0]
    return int(students[0])


def _plant_concurrent_use(world: _World, candidates: Sequence[int], rng: np.random.Generator
                          ) -> tuple[list[_Rows], list[dict[str, object]], list[_Rows],
                                     list[dict[str, object]]]:
    """The two-place sharing accounts and the innocent switchers, from distinct students."""
    n = _CONCURRENT_USERS
    if len(candidates) < 3 * n:
        raise ValueError("the cohort table has too few students in the log to plant findings")
    two_place, two_place_truth = _plant_two_place_sharing(world, candidates[:n], rng)
    switches, switch_truth = _plant_network_switches(world, candidates[n:2 * n],
                                                     candidates[2 * n:3 * n], rng)
    return two_place, two_place_truth, switches, switch_truth


def _plant_two_place_sharing(world: _World, accounts: Sequence[int], rng: np.random.Generator
                             ) -> tuple[list[_Rows], list[dict[str, object]]]:
    """Two people on one login, in two cities, reading in the same evening hours: each on
    a laptop of their own, their requests interleave for more than an hour."""
    names = world.ua_variant_names
    laptops = sorted(set(_LAPTOP_MIX["student"]))
    blocks = [b for b, _ in _RESIDENTIAL_BLOCKS]
    rows: list[_Rows] = []
    truth: list[dict[str, object]] = []
    full = world.scale >= 0.5
    size = (45, 61) if full else (8, 13)
    for u in accounts:
        places: dict[str, list[str]] = {}
        own = names[int(world.users.laptop[u])]
        friend = [name for name in laptops if name != own][int(rng.integers(0, len(laptops) - 1))]
        for day in _pick_days(world, u, _CONCURRENT_DAYS if full else 1, rng, weekdays=False):
            here, there = rng.choice(len(blocks), size=2, replace=False)
            start = int(rng.integers(18 * 3600, 20 * 3600))
            for block, device, offset in ((blocks[here], own, 0),
                                          (blocks[there], friend, int(rng.integers(-300, 300)))):
                ip = world.ips.new(block, rng)
                rows.append(_timed_rows(world, u, day, start + offset,
                                        int(rng.integers(*size)), ip,
                                        _device_ua(world, device, u, day), rng))
            places[(LOG_START + timedelta(days=day)).isoformat()] = sorted(
                (blocks[here], blocks[there]))
        truth.append({"user_id": int(u), "dates": sorted(places), "places": places})
    return rows, truth


def _plant_network_switches(world: _World, switchers: Sequence[int],
                            overlapping: Sequence[int], rng: np.random.Generator
                            ) -> tuple[list[_Rows], list[dict[str, object]]]:
    """Innocent look-alikes of sharing, on weekdays in class hours. ``switchers``: a phone
    leaves the campus Wi-Fi for its cellular network once (one block switch within a
    minute). ``overlapping``: a laptop on campus and the student's phone on a cellular
    network, interleaving for an hour (two blocks, two device classes)."""
    names = world.ua_variant_names
    rows: list[_Rows] = []
    truth: list[dict[str, object]] = []
    full = world.scale >= 0.5
    switch_size, laptop_size, phone_size = (12, 30, 15) if full else (4, 6, 3)
    for kind, accounts in (("single_switch", switchers), ("phone_on_cellular", overlapping)):
        for u in accounts:
            phone = names[int(world.users.phone[u])]
            days = _pick_days(world, u, _CONCURRENT_DAYS if full else 1, rng, weekdays=True)
            for day in days:
                start = int(rng.integers(9 * 3600, 15 * 3600))
                phone_ua = _device_ua(world, phone, u, day)
                cellular = world.ips.new(CELLULAR_BLOCKS[int(rng.integers(0, 2))], rng)
                if kind == "single_switch":
                    on_wifi = _timed_rows(world, u, day, start, switch_size,
                                          _campus_ip(world, u), phone_ua, rng)
                    leave = int(on_wifi.ts[-1] % _DAY_SECONDS) + int(rng.integers(20, 60))
                    rows += [on_wifi, _timed_rows(world, u, day, leave, switch_size, cellular,
                                                  phone_ua, rng)]
                else:
                    laptop = _device_ua(world, names[int(world.users.laptop[u])], u, day)
                    rows += [_timed_rows(world, u, day, start, laptop_size,
                                         _campus_ip(world, u), laptop, rng),
                             _timed_rows(world, u, day, start + 60, phone_size, cellular,
                                         phone_ua, rng, gap=(120, 300))]
            truth.append({"user_id": int(u), "kind": kind, "dates": [
                (LOG_START + timedelta(days=day)).isoformat() for day in days]})
    return rows, truth



# ---------------------------------------------------------------------------------------
# Non-human traffic that is not a scraper of the curriculum (issue 11): a search engine's
# crawler sending a browser's user agent, exploit scanners and uptime monitors. Planted
# after the regular traffic is drawn, from a random stream of their own; their rows are
# taken from the no-cohort share, so the log keeps its exact size.
# ---------------------------------------------------------------------------------------
def _plant_non_human(world: _World, events: int, rng: np.random.Generator
                     ) -> tuple[list[_Rows], dict[str, list[dict[str, object]]]]:
    """The rows and the truth (user indices for now) of the three kinds, by truth key.
    Their volume is in proportion to the log's (full at a million events), so that
    they take the same small share of the no-cohort rows at every size."""
    volume = min(1.0, events / 1_000_000)
    crawlers = _plant_browser_crawlers(world, volume, rng)
    scanners = _plant_exploit_scanners(world, rng)
    monitors = _plant_uptime_monitors(world, volume, rng)
    rows = [r for r, _item in crawlers + scanners + monitors]
    truth = {"browser_crawlers": [item for _r, item in crawlers],
             "exploit_scanners": [item for _r, item in scanners],
             "uptime_monitors": [item for _r, item in monitors]}
    return rows, truth


def _path_ids(world: _World, paths: Sequence[str]) -> np.ndarray:
    """Catalog ids of ``paths``, appending the ones the curriculum does not have."""
    known = {path: i for i, path in enumerate(world.catalog.paths)}
    extra = [path for path in dict.fromkeys(paths) if path not in known]
    base = len(world.catalog.paths)
    known.update((path, base + i) for i, path in enumerate(extra))
    if extra:
        world.catalog = replace(world.catalog, paths=world.catalog.paths + tuple(extra))
    return np.array([known[path] for path in paths], dtype=np.int64)


def _bot_agent(world: _World, text: str) -> int:
    world.ua_strings.append(text)
    world.ua_variant_names.append("bot")
    return len(world.ua_strings) - 1


def _bot_account(world: _World, first_day: int, rng: np.random.Generator) -> int:
    return int(_add_users(world, _BOT, [-1], [first_day], [_N_DAYS], rng)[0])


def _plant_browser_crawlers(world: _World, volume: float, rng: np.random.Generator
                            ) -> list[tuple[_Rows, dict[str, object]]]:
    """A search engine's crawler: a few IPs of its /16, each visiting on up to six days
    spread over the log; a visit reads robots.txt, then 40-150 pages (never an image:
    it indexes text) 1-4 seconds apart, at any hour."""
    catalog = world.catalog
    pages = np.array([p for module in catalog.crawlable for p in module
                      if p not in set(catalog.image_paths.tolist())]
                     + [catalog.home, catalog.toc], dtype=np.int64)
    robots = int(_path_ids(world, ["robots.txt"])[0])
    agent = _bot_agent(world, _BROWSER_CRAWLER_AGENT)
    first = int(rng.integers(0, _N_DAYS // 3))
    u = _bot_account(world, first, rng)
    out = []
    for _ in range(_BROWSER_CRAWLER_IPS):
        ip = world.ips.new(_BROWSER_CRAWLER_BLOCK, rng)
        visits = max(1, round(6 * volume))
        days = np.sort(rng.choice(np.arange(first, _N_DAYS), size=visits, replace=False))
        parts = []
        for day in days:
            count = max(20, round(int(rng.integers(40, 151)) * min(1.0, 4 * world.scale)))
            paths = np.concatenate([[robots], rng.choice(pages, size=count, replace=False)])
            steps = rng.integers(1, 5, len(paths))
            steps[0] = 0
            ts = int(day) * _DAY_SECONDS + int(rng.integers(0, _DAY_SECONDS - 3600))
            ts = ts + np.cumsum(steps)
            parts.append(_bot_rows(u, ip, agent, ts, paths))
        out.append((_concat(parts), {"ip": world.ips.ips[ip], "user_id": u,
                                      "user_agent": _BROWSER_CRAWLER_AGENT}))
    return out


def _plant_exploit_scanners(world: _World, rng: np.random.Generator
                            ) -> list[tuple[_Rows, dict[str, object]]]:
    """Exploit scanners, one IP each: one to three runs weeks apart, each asking for
    the home page and 6-15 of the usual probes within a minute or two."""
    probes = _path_ids(world, _EXPLOIT_PATHS)
    out = []
    for block, text in zip(_SCANNER_BLOCKS, _SCANNER_AGENTS, strict=True):
        agent = _bot_agent(world, text)
        first = int(rng.integers(0, _N_DAYS - 120))
        u = _bot_account(world, first, rng)
        ip = world.ips.new(block, rng)
        runs = int(rng.integers(1, 4))
        days = first + np.concatenate([[0], np.sort(rng.choice(np.arange(7, 120), runs - 1,
                                                              replace=False))])
        parts = []
        for day in days:
            asked = rng.choice(probes, size=int(rng.integers(6, 16)), replace=False)
            paths = np.concatenate([[world.catalog.home], asked])
            steps = rng.integers(0, 8, len(paths))
            ts = int(day) * _DAY_SECONDS + int(rng.integers(0, _DAY_SECONDS - 600))
            parts.append(_bot_rows(u, ip, agent, ts + np.cumsum(steps), paths))
        out.append((_concat(parts), {"ip": world.ips.ips[ip], "user_id": u,
                                      "user_agent": text}))
    return out


def _plant_uptime_monitors(world: _World, volume: float, rng: np.random.Generator
                           ) -> list[tuple[_Rows, dict[str, object]]]:
    """Uptime monitors: one URL at a fixed interval (give or take a second or two of
    scheduling), around the clock, for weeks in a full-size log (fewer polls in a
    smaller one, at least an hour's)."""
    out = []
    for block, text, path, interval, full in _MONITORS:
        polls = max(12, round(full * volume))
        span_days = polls * interval // _DAY_SECONDS + 2
        first = int(rng.integers(0, _N_DAYS - span_days))
        u = _bot_account(world, first, rng)
        ip = world.ips.new(block, rng)
        agent = _bot_agent(world, text)
        start = first * _DAY_SECONDS + int(rng.integers(0, _DAY_SECONDS))
        ts = start + np.arange(polls) * interval + rng.integers(0, 3, polls)
        paths = np.full(polls, _path_ids(world, [path])[0])
        out.append((_bot_rows(u, ip, agent, ts, paths),
                    {"ip": world.ips.ips[ip], "user_id": u, "user_agent": text, "path": path,
                     "interval_seconds": interval}))
    return out


def _bot_rows(u: int, ip: int, agent: int, ts: np.ndarray, paths: np.ndarray) -> _Rows:
    n = len(ts)
    return _rows(np.minimum(ts, _LAST_TS), np.full(n, u), np.full(n, ip), np.full(n, agent),
                 np.full(n, -1), paths)


def _bot_truth(world: _World, rows: _Rows,
               items: list[dict[str, object]]) -> list[dict[str, object]]:
    """Each planted IP's truth with its requests, distinct paths and first/last time."""
    out = []
    for item in items:
        mine = rows.ip == world.ips.index[str(item["ip"])]
        ts = rows.ts[mine]
        out.append({**item, "requests": int(np.count_nonzero(mine)),
                    "distinct_paths": len(np.unique(rows.path[mine])),
                    "first_seen": _timestamp(int(ts.min())),
                    "last_seen": _timestamp(int(ts.max()))})
    return out


def _timestamp(seconds: int) -> str:
    """A log time (seconds since the log's first midnight) as written in the log."""
    moment = datetime(LOG_START.year, LOG_START.month, LOG_START.day) + timedelta(
        seconds=seconds)
    return moment.isoformat(sep=" ")


def _plant_front_end(world: _World, rng: np.random.Generator) -> _Sessions:
    """The front-end graduates' handful of requests."""
    users = world.users
    fe = np.flatnonzero(users.kind == _FRONT_END)
    day = rng.integers(0, _N_DAYS, len(fe))
    size = rng.integers(2, 6, len(fe))
    return _single_sessions(world, fe, day, rng.integers(18 * 3600, 22 * 3600, len(fe)), size,
                            _home_ip(world, fe, day),
                            _ua(world, users.laptop[fe], users.lag[fe], day, users.patch[fe]),
                            rng)


def _plant_heavy(world: _World, rows: _Rows, days_by_user: dict[int, list[int]],
                 events: int, rng: np.random.Generator
                 ) -> tuple[_Sessions, list[tuple[int, int, int]]]:
    """Binge days: about 12 times the student's median active-day volume.

    Very small files cannot afford that; there the days are capped at 1.5 % of the
    file each (the ground truth states the actual counts).
    """
    cap = max(10, int(0.015 * events))
    user_parts, day_parts, sec_parts, size_parts = [], [], [], []
    truth = []
    for u, days in days_by_user.items():
        mine = rows.ts[rows.user == u] // _DAY_SECONDS
        volumes = np.bincount(mine, minlength=_N_DAYS)
        active = volumes[volumes > 0].astype(np.float64)
        big = np.inf
        median = float(np.median(np.concatenate([active, [big] * len(days)])))
        if not np.isfinite(median):
            median = float(active.max()) if len(active) else 1.0
        total = min(cap, max(30, math.ceil(12 * median)))
        for day in days:
            count = min(cap, total + int(rng.integers(0, max(2, total // 10))))
            n_sessions = max(1, math.ceil(count / 25))
            sizes = np.bincount(rng.integers(0, n_sessions, count - n_sessions),
                                minlength=n_sessions) + 1
            user_parts.append(np.full(n_sessions, u))
            day_parts.append(np.full(n_sessions, day))
            sec_parts.append(np.sort(rng.integers(7 * 3600, 21 * 3600, n_sessions)))
            size_parts.append(sizes)
            truth.append((u, day, count))
    user = np.concatenate(user_parts).astype(np.int64)
    day = np.concatenate(day_parts).astype(np.int64)
    sec = np.concatenate(sec_parts).astype(np.int64)
    location = np.where(sec < 17 * 3600, _CAMPUS, _HOME)
    sessions = _session_details(world, user, day, rng, location=location, start=sec)
    sessions.size = np.concatenate(size_parts).astype(np.int64)
    sessions.gap = np.full(len(user), 20.0)
    sessions.clamp = True
    return sessions, truth


def _heavy_truth(world: _World, rows: _Rows,
                 planted: list[tuple[int, int, int]]) -> list[dict[str, object]]:
    ids = world.users.user_id
    out: list[dict[str, object]] = []
    for u, day, _count in sorted(planted, key=lambda item: (ids[item[0]], item[1])):
        mine = (rows.user == u) & (rows.ts // _DAY_SECONDS == day)
        out.append({"user_id": int(ids[u]),
                    "date": (LOG_START + timedelta(days=day)).isoformat(),
                    "requests": int(np.count_nonzero(mine))})
    return out


# ---------------------------------------------------------------------------------------
# Paths.
# ---------------------------------------------------------------------------------------
def _pick_topics(catalog: _Catalog, overused: int,
                 rng: np.random.Generator) -> dict[int, list[int]]:
    """Two lessons per program (1, 2, 3) that graduates keep coming back to."""
    unique = _unique_lessons(catalog)
    taken = {overused}
    topics = {}
    for program in (1, 2, 3):
        options = [p for m in catalog.core[program][1:] for p in catalog.visible[m][1:4]
                   if p in unique and p not in taken]
        chosen = [int(p) for p in rng.choice(options, size=2, replace=False)]
        taken.update(chosen)
        topics[program] = chosen
    return topics


def _pick_overused(catalog: _Catalog, rng: np.random.Generator) -> int:
    """A rarely read lesson (popularity rank 5 or lower) in the middle of the Java course."""
    core = catalog.core[2]
    unique = _unique_lessons(catalog)
    middle = core[len(core) // 2: len(core) // 2 + 3]
    options = [p for m in middle for p in catalog.visible[m][4:] if p in unique]
    return int(rng.choice(options))


def _sample_lesson(catalog: _Catalog, module: np.ndarray, u: np.ndarray) -> np.ndarray:
    return catalog.lesson_paths[np.searchsorted(catalog.lesson_keys, module + u, side="left")]


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

    # Some requests wander off the session's module.
    wander = rng.random(n) < 0.15
    for p in PROGRAMS:
        rows_p = np.flatnonzero(wander & (program == p) & ~staff & (phase < 3))
        every = catalog.every[p]
        module[rows_p] = every[rng.integers(0, len(every), len(rows_p))]
    free = np.flatnonzero(wander & (staff | (phase == 3)))
    module[free] = _any_module(world, staff[free], rng)

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
    path[image] = catalog.image_paths[np.searchsorted(
        catalog.image_keys, module[image] + rng.random(len(image)), side="left")]
    path[request_kind == _K_JSON] = catalog.search
    path[request_kind == _K_FAVICON] = catalog.favicon
    path[request_kind == _K_HOME] = catalog.home
    path[request_kind == _K_TOC] = catalog.toc
    rows.path[todo] = path


# ---------------------------------------------------------------------------------------
# Measured ground truth.
# ---------------------------------------------------------------------------------------
def _peer_cohorts(world: _World, rows: _Rows) -> tuple[np.ndarray, np.ndarray]:
    """Rows per cohort index, and the Java cohorts that serve as peers."""
    cohort_of_row = world.users.cohort[rows.user]
    counts = np.bincount(cohort_of_row[cohort_of_row >= 0], minlength=len(world.cohorts))
    roles = world.roles
    peers = np.array([c for c in roles.overlapping + roles.older
                      if world.cohorts[c].program_id == 2 and counts[c] >= 50], dtype=np.int64)
    return counts, peers


def _overused_truth(world: _World, rows: _Rows) -> dict[str, object]:
    target = world.overused_path
    roles = world.roles
    cohort_of_row = world.users.cohort[rows.user]
    counts, peers = _peer_cohorts(world, rows)
    hits = np.bincount(cohort_of_row[(rows.path == target) & (cohort_of_row >= 0)],
                       minlength=len(world.cohorts))
    share = hits / np.maximum(counts, 1)
    others = share[peers[peers != roles.overused]]
    typical = float(np.median(others)) if len(others) else 0.0
    factor = share[roles.overused] / typical if typical > 0 else float(
        share[roles.overused] * 1000)
    cohort = world.cohorts[roles.overused]
    return {"cohort_id": cohort.id, "program_id": cohort.program_id,
            **_path_parts(world.catalog, target), "factor": round(float(factor), 2)}


def _decoy_truth(world: _World, rows: _Rows) -> dict[str, object]:
    """Requests per student and in-session day, relative to the other Java cohorts."""
    users = world.users
    roles = world.roles
    day = rows.ts // _DAY_SECONDS
    inside = (day >= users.start[rows.user]) & (day <= users.end[rows.user])
    regular = users.kind[rows.user] == _STUDENT
    cohort_of_row = users.cohort[rows.user]
    hits = np.bincount(cohort_of_row[inside & regular & (cohort_of_row >= 0)],
                       minlength=len(world.cohorts))
    students = np.bincount(users.cohort[(users.kind == _STUDENT) & (users.cohort >= 0)],
                           minlength=len(world.cohorts))
    rates = {}
    for c in roles.overlapping:
        cohort = world.cohorts[c]
        if cohort.program_id != 2 or cohort.start < LOG_START or cohort.end > LOG_END:
            continue
        length = (cohort.end - cohort.start).days + 1
        rates[c] = hits[c] / max(1, students[c]) / length
    peers = [r for c, r in rates.items() if c not in (roles.decoy, roles.overused)]
    typical = float(np.median(peers)) if peers else 0.0
    factor = rates[roles.decoy] / typical if typical > 0 else 0.0
    return {"cohort_id": world.cohorts[roles.decoy].id, "factor": round(float(factor), 2)}


# =======================================================================================
# Output.
# =======================================================================================
def _write_requests(path: Path, fmt: str, world: _World, rows: _Rows,
                    report: Callable[[str], None]) -> None:
    """Write the log in chunks, joining pre-formatted strings per row."""
    users = world.users
    cohort_ids = np.array([c.id for c in world.cohorts], dtype=np.int64)
    sep = "," if fmt == "csv" else " "
    missing = "" if fmt == "csv" else "NaN"
    user_cohort = np.array([
        f"{uid}{sep}{cohort_ids[c] if c >= 0 else missing}"
        for uid, c in zip(users.user_id.tolist(), users.cohort.tolist(), strict=True)
    ], dtype=object)
    day_strings = np.datetime_as_string(
        np.datetime64(LOG_START.isoformat()) + np.arange(_N_DAYS), unit="D").astype(object)
    time_strings = np.array([f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60)
                             for s in range(60)], dtype=object)
    path_strings = np.array(world.catalog.paths, dtype=object)
    ip_strings = np.array(world.ips.ips, dtype=object)
    agent_strings = np.array(['"' + ua.replace('"', '""') + '"' for ua in world.ua_strings],
                             dtype=object)
    total = len(rows.ts)
    with path.open("wb") as out:
        if fmt == "csv":
            out.write((REQUESTS_HEADER + "\n").encode("ascii"))
        for begin in range(0, total, CHUNK_ROWS):
            part = slice(begin, min(total, begin + CHUNK_ROWS))
            ts = rows.ts[part]
            columns = [day_strings[ts // _DAY_SECONDS].tolist(),
                       time_strings[ts % _DAY_SECONDS].tolist(),
                       path_strings[rows.path[part]].tolist(),
                       user_cohort[rows.user[part]].tolist(),
                       ip_strings[rows.ip[part]].tolist()]
            if fmt == "csv":
                columns.append(agent_strings[rows.ua[part]].tolist())
            text = "\n".join(map(sep.join, zip(*columns, strict=True)))
            out.write((text + "\n").encode("utf-8"))
            report(f"writing {part.stop:,} / {total:,} rows")
