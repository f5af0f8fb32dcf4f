# The README's two commands. Both install what is missing (Debian packages), then build.
#   make demo   daemon fed by the simulator; prints the /metrics URL; Ctrl-C stops everything
#   make test   every test except benchmarks
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps configure build test demo bench clean

all: build

deps:
	./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -LE bench --timeout 900

demo: build
	./scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)
