# retrain — build, test and demo. Every target installs what it needs first (scripts/bootstrap).
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all build binary test unit demo bench soak sanitize clean bootstrap

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

# The crash soak at length: 200 random SIGKILLs of retrain serve under load (make test runs 20).
# SOAK_KILLS and SOAK_SEED override.
soak: build
	@SOAK_KILLS=$${SOAK_KILLS:-200} RETRAIN_BIN=$(CURDIR)/$(BUILD_DIR)/src/cli/retrain \
	  "$$(scripts/python-env)/bin/python" -m pytest -q -s -p no:cacheprovider tests/e2e/test_soak.py

# The unit and end-to-end suites under AddressSanitizer + UBSan, the threaded suites under
# ThreadSanitizer (build-asan/, build-tsan/).
sanitize: bootstrap
	@JOBS=$(JOBS) scripts/sanitize

demo: binary
	@scripts/demo $(BUILD_DIR)/src/cli/retrain

bench: build
	@scripts/run-bench $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan
