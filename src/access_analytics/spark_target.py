"""The Spark target: a local Spark session inside each dbt process (dbt-spark's
``session`` method, profile target ``spark``), its metastore and warehouse kept on disk.

Layout under the project's warehouse folder (``.warehouse/spark``, or ``AA_SPARK_DIR``):
``metastore_db/`` (Derby: the schemas and tables Spark knows; each dbt command starts a
new JVM, so it must outlive them), ``warehouse/`` (the tables dbt builds, Parquet) and
``raw/`` (the loaded files, one Parquet folder per raw table, written by
``parquet_raw``). Needs the ``spark`` extra (``pip install -e '.[spark]'``) and Java 17.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

TARGET = "spark"
# Spark 4 runs on Java 17 or newer.
JAVA_MAJOR = 17


class SparkUnavailable(RuntimeError):
    """The Spark target cannot run here; the message says what is missing."""


def spark_dir(project_dir: Path) -> Path:
    """The folder of the local Spark warehouse (``AA_SPARK_DIR`` or
    ``.warehouse/spark``)."""
    configured = os.environ.get("AA_SPARK_DIR")
    return Path(configured).resolve() if configured else project_dir / ".warehouse" / TARGET


def raw_dir(project_dir: Path) -> Path:
    """Where the raw tables' Parquet folders are."""
    return spark_dir(project_dir) / "raw"


def missing() -> str | None:
    """Why the Spark target cannot run here, or None when it can."""
    for module in ("pyspark", "dbt.adapters.spark", "pyarrow"):
        try:
            found = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            found = None
        if found is None:
            return (
                f"the Python package of {module} is not installed: install the spark extra"
                " (`make build TARGET=spark` does, or `pip install -e '.[spark]'`)"
            )
    return java_problem()


def java_problem() -> str | None:
    """Why the Java that Spark would start (``$JAVA_HOME/bin/java``, else ``java`` on the
    PATH, as pyspark chooses) cannot run it, or None. A version that `java -version` does
    not show plainly is left for Spark to judge."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if java is None or not os.access(java, os.X_OK):
        return (
            f"Java is not installed (Spark needs Java {JAVA_MAJOR}: e.g. apt-get install"
            f" openjdk-{JAVA_MAJOR}-jre-headless)"
            + (f"; JAVA_HOME is {home}, without bin/java" if home else "")
        )
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = re.search(r'version "(\d+)(?:\.(\d+))?', shown.stderr + shown.stdout)
    if version is None:
        return None
    # Up to Java 8 the major version came second: "1.8.0_402" is Java 8.
    major = int(version[2] or 0) if version[1] == "1" else int(version[1])
    if major < JAVA_MAJOR:
        return (
            f"{java} is Java {major}; Spark needs Java {JAVA_MAJOR} or newer (set JAVA_HOME to one)"
        )
    return None


def dbt_env(project_dir: Path) -> dict[str, str]:
    """Environment for a dbt process so that profiles.yml's target ``spark`` resolves to
    this project's local Spark warehouse."""
    home = spark_dir(project_dir)
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        DBT_TARGET=TARGET,
        DBT_PROFILES_DIR=str(project_dir),
        AA_SPARK_DIR=str(home),
        # Spark binds its driver to this address: loopback only, and no warning about
        # the host name resolving to it.
        SPARK_LOCAL_IP=env.get("SPARK_LOCAL_IP", "127.0.0.1"),
    )
    return env
