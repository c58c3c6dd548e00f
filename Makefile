# Portico — the two commands of the README, plus a few conveniences.
#   make run    install what is missing, build (release), migrate, load demo data, serve
#   make test   install what is missing, build (ASan+UBSan), run every test tier

PORT ?= 8080
JOBS ?= 2

.PHONY: run test build build-sanitize deps clean format bench

run:
	@scripts/run.sh

test:
	@scripts/test.sh

deps:
	@scripts/install-deps.sh build

build: deps
	@cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPORTICO_BUILD_TESTS=OFF >/dev/null
	@ninja -C build/release -j$(JOBS) portico

build-sanitize:
	@cmake -S . -B build/sanitize -G Ninja -DCMAKE_BUILD_TYPE=Sanitize >/dev/null
	@ninja -C build/sanitize -j$(JOBS)

format:
	@find src tests -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
