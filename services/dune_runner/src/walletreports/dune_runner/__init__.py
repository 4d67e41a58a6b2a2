"""Dune runner: analysis runs, query jobs, report files, credit budget."""
