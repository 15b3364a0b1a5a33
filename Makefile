# Thin wrapper over CMake. See README.md.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all test e2e asan fuzz fuzz-run bench demo clean format

all:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

test: all
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Browser end-to-end tests of the console and the field terminal (headless Chromium, real
# servers; console_extra also starts a nats-server for a second prefecture when installed).
e2e: all
	cd tests/e2e && npm ci --no-audit --no-fund && \
	  KEITSU_BIN=$(abspath $(BUILD))/keitsu node dispatch.spec.mjs && \
	  KEITSU_BIN=$(abspath $(BUILD))/keitsu node console_extra.spec.mjs

asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKEITSU_SANITIZE=ON >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

fuzz:
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DKEITSU_FUZZ=ON >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target $$(cd fuzz && ls fuzz_*.c | sed 's/\.c$$//' | tr '\n' ' ')

# Runs every fuzz target for FUZZ_SECONDS each from its seed corpus.
FUZZ_SECONDS ?= 20
fuzz-run: fuzz
	@set -e; for f in fuzz/fuzz_*.c; do n=$$(basename $$f .c); \
	  mkdir -p build-fuzz/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS)s)"; \
	  ./build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus/$$n fuzz/corpus/$$n 2>&1 | tail -n 3; \
	done

bench: all
	cmake --build $(BUILD) -j$(JOBS) --target $$(cd bench && ls bench_*.c | sed 's/\.c$$//' | tr '\n' ' ')
	./bench/run.sh $(BUILD)

demo: all
	./$(BUILD)/keitsu serve --data ./demo-data --demo

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz
