# The two commands: `make run` (product on SQLite with demo data) and `make test` (the whole suite).
.PHONY: run test test-postgres lint setup messages bench bench-province
PG_URL ?= postgres://postgres@127.0.0.1:5432/shouhu

setup:
	scripts/bootstrap.sh

run:
	scripts/run.sh

# One pytest worker per core (pytest-xdist), a test module at a time (--dist loadscope: module
# fixtures start once), with two exceptions (conftest.py's scheduler): the persona walk's tests go
# out one by one, to spread over the workers, and all browser journeys are one unit, given out
# first (one served app and Chromium per run). conftest.py restores the data a transactional test
# flushes. Hypothesis profile "ci" (CI's example counts) unless set otherwise,
# e.g. `make test HYPOTHESIS_PROFILE=dev` for a quicker local run.
HYPOTHESIS_PROFILE ?= ci
export HYPOTHESIS_PROFILE
PYTEST = .venv/bin/pytest -q -n auto --dist loadscope

test: setup
	scripts/system-deps.sh
	$(PYTEST)

test-postgres: setup
	scripts/system-deps.sh
	scripts/postgres.sh
	SHOUHU_DATABASE_URL=$(PG_URL) $(PYTEST)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy shouhu

# Extract strings, apply shouhu/locale/en/translations.json, build the .mo (commit both).
messages: setup
	cd shouhu && ../.venv/bin/shouhu makemessages -l en --no-obsolete -i "*/tests/*"
	.venv/bin/python scripts/po_fill.py shouhu/locale/en/LC_MESSAGES/django.po shouhu/locale/en/translations.json
	cd shouhu && ../.venv/bin/shouhu compilemessages -l en

# Benchmarks (not part of CI): each path beside its floor, 100,000 children on SQLite and on the
# scratch PostgreSQL database shouhu_bench (127.0.0.1:5432). Figures: docs/performance.md.
BENCH_CHILDREN ?= 100000
bench: setup
	.venv/bin/python benchmarks/suite.py --backend sqlite --children $(BENCH_CHILDREN) --import-rows 100000
	.venv/bin/python benchmarks/suite.py --backend postgresql --children $(BENCH_CHILDREN) --import-rows 100000
	.venv/bin/python benchmarks/bulk_register.py --children 50000
	.venv/bin/python benchmarks/bulk_register.py --children 50000 --postgres

# Province size (not part of CI): 1,000,000 children in PostgreSQL `shouhu_1m` (built once, kept),
# screening with one and two workers, screening and the duplicate scan beside their floors, then the
# web pages under load (gunicorn + wrk). web_load.py builds shouhu_web from shouhu_1m when missing
# (screened, suggestions drafted, duplicates scanned, demo personas; docs/performance.md).
bench-province: setup
	.venv/bin/python benchmarks/screening_workers.py --template shouhu_1m --workers 1,2
	.venv/bin/python benchmarks/province.py --template shouhu_1m
	.venv/bin/python benchmarks/web_load.py
