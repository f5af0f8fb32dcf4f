# The README's two commands. Both install what is missing (Debian packages), then build.
#   make demo   daemon fed by the simulator; prints the /metrics URL; Ctrl-C stops everything
#   make test   every test except benchmarks, then every fuzz target for FUZZ_SECONDS (20) each
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps configure build test fuzz demo bench clean

all: build

deps:
	./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -LE bench --timeout 900
	FUZZ_JOBS=$(JOBS) ./scripts/fuzz.sh $(BUILD)-fuzz

# libFuzzer targets (clang, separate build directory); FUZZ_SECONDS=600 make fuzz for a long run.
fuzz: deps
	FUZZ_JOBS=$(JOBS) ./scripts/fuzz.sh $(BUILD)-fuzz

demo: build
	./scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
