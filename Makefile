# huddle — the two commands that matter:
#   make up     build and run the whole system on this machine
#   make test   build with ASan+UBSan and run every test
# Both install what is missing (scripts/deps.sh, apt-get).

JOBS    ?= $(shell nproc)
TESTDIR ?= build/asan
RELDIR  ?= build/release

.PHONY: all deps build build-test up test fault fuzz bench bench-policy compose-test clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(RELDIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHD_SANITIZE=OFF >/dev/null
	@cmake --build $(RELDIR) -j $(JOBS)

build-test: deps
	@cmake -S . -B $(TESTDIR) -DCMAKE_BUILD_TYPE=Debug -DHD_SANITIZE=ON >/dev/null
	@cmake --build $(TESTDIR) -j $(JOBS)

up: build
	@HUDDLE_BIN_DIR=$(RELDIR) scripts/up.sh

test: build-test
	@ctest --test-dir $(TESTDIR) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The full fault run: 20,000 items under crashes (tests/fault/fault.py --help).
FAULT_ARGS ?= --items 20000
fault: build
	@HUDDLE_BIN_DIR=$(RELDIR) HUDDLE_SOURCE_DIR=$(CURDIR) python3 tests/fault/fault.py $(FAULT_ARGS)

# Every fuzzer (tests/fuzz/README.md) FUZZ_SECONDS each, built with clang in
# FUZZDIR. New inputs are kept in FUZZDIR/corpus-<set>_<target>/ and reused by
# the next run; a crash is FUZZDIR/crash-<set>_<target>-<hash>. To commit what
# a run found, minimise it into the committed seeds (only inputs that add
# coverage are copied), then git add the seeds folder:
#   $(FUZZDIR)/<set>/fuzz_<set>_<target> -merge=1 \
#       tests/fuzz/<set>_fuzz/seeds-<target> $(FUZZDIR)/corpus-<set>_<target>
FUZZ_SECONDS ?= 300
FUZZDIR      ?= build/fuzz
FUZZ_SETS    ?= policy http ingest wire
fuzz: deps
	@tests/fuzz/run.sh build $(FUZZDIR)
	@st=0; for s in $(FUZZ_SETS); do \
	    tests/fuzz/run.sh run $(FUZZDIR) $(FUZZ_SECONDS) $$s || st=1; done; exit $$st

# Throughput, latency and memory against this machine's own limits.
bench: build
	@HUDDLE_BIN_DIR=$(RELDIR) BENCH_NO_BUILD=1 scripts/bench.sh

bench-policy: deps
	@bench/policy/run.sh

# The whole system in containers, the way operators run it (docs in README).
compose-test:
	@scripts/compose-test.sh

clean:
	rm -rf build
