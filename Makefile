# retrain — build, test and demo. Every target installs what it needs first (scripts/bootstrap).
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all build binary test unit demo bench clean bootstrap

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD_DIR)/build.ninja: CMakeLists.txt | bootstrap
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

build: bootstrap $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only the retrain binary (what the demo needs).
binary: bootstrap $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target retrain

# Every test: unit suites (ctest), integration suites against real services, end-to-end tests
# of the binary over HTTP. The last line is the summary over all suites.
test: build
	@scripts/run-tests $(BUILD_DIR)

unit: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

demo: binary
	@scripts/demo $(BUILD_DIR)/src/cli/retrain

bench: build
	@scripts/run-bench $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
