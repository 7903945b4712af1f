# The two commands: `make run` and `make test`. Everything else is a helper.
JOBS ?= $(shell nproc)
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)

.PHONY: deps test-deps build run test test-asan package conformance differential bench bench-compare clean format

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-test-deps.sh

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default -j $(JOBS)

run: build
	@bash scripts/run-zestd.sh

test: build test-deps
	@cd build && ctest $(CTEST_FLAGS)

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build-asan && ctest $(CTEST_FLAGS) -L unit

conformance: build
	@python3 tests/conformance/report.py build

# zest vs Pigeonhole's sieve-test on tests/differential/cases (see its README.md).
differential: build test-deps
	@python3 tests/differential/run.py build

# Google Benchmark programs (never part of `make test`); see bench/README.md.
bench: build
	@cmake --build --preset default --target bench

# zestd against Dovecot/Pigeonhole, one table of ratios (root; ~15 min).
bench-compare:
	@bash bench/compare.sh

# The Debian 12 package (and its -dbgsym) in build/packages/; see
# docs/zestd.md "Installing the package".
package: build
	@cd build && cpack -G DEB -B $(CURDIR)/build/packages

clean:
	rm -rf build build-asan

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
