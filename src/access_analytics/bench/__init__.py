"""The side-by-side benchmark (``make bench``): the project against reference
implementations of its core answers in pandas and DuckDB, on the same generated files.

The references (``reference_pandas``, ``reference_duckdb``) are written from the
definitions in the docs (``models/docs/definitions.md``) and the vars in
``dbt_project.yml``, not from the models' SQL, so they double as an independent check
of the answers (``tests/harness/test_bench_reference.py``).
"""
