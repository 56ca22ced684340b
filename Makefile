# Entry points; the work is done by scripts/*.sh so CI and humans run the same thing.
# Pass extra arguments with ARGS, e.g.  make test ARGS="tests/unit -x"

.PHONY: run test test-unit lint bench clean

run:
	@scripts/run-demo.sh $(ARGS)

test:
	@scripts/test.sh $(ARGS)

# Lint and the unit tests with nothing but the venv: no PostgreSQL, Redis,
# Chromium or other system package.
test-unit:
	@scripts/test-unit.sh $(ARGS)

# Rewrites files: format, then apply ruff's safe fixes.
lint:
	@scripts/bootstrap.sh
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

bench:
	@scripts/bootstrap.sh
	@.venv/bin/python bench/run_all.py $(ARGS)

clean:
	@scripts/clean.sh
