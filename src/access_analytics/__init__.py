"""Harness for the access_analytics dbt project."""
