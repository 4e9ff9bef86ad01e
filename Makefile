# The two commands a newcomer needs:
#   make run    install what is missing, build Isola, boot the demo guest
#   make test   run the whole test suite (what CI runs)
# and a few more: make build, make guests, make images, make debian, make sysroot, make cpython, make tsan, make example, make docs, make fuzz, make bench, make validate.

ISOLA := .build/release/isola
GUESTS := .build/isa-tests

.PHONY: all setup build guests images debian sysroot cpython run test tsan example docs fuzz bench validate clean

all: build

setup:
	@scripts/setup.sh

build: setup
	swift build -c release --product isola
	swift build -c release --product isola-runtime

guests: setup
	Guests/isa-tests/build.sh $(GUESTS)
	Guests/user-tests/build.sh .build/user-tests
	Guests/bare-metal/build.sh .build/bare-metal

# The main job: boot Linux in Isola (the default image; Ctrl-A X quits).
run: build images
	$(ISOLA) run

# The default Linux guest (kernel + initramfs), cached in $ISOLA_CACHE.
images: setup
	Guests/linux/build.sh >/dev/null

# The Debian trixie guest (disk, kernel, initramfs), cached in $ISOLA_CACHE; its first
# boot runs in Isola, so it needs the release build.
debian: build images
	Guests/debian/build.sh >/dev/null

# Debian trixie's riscv64 programs unpacked for the process VM's tests, cached in $ISOLA_CACHE.
sysroot: setup
	Guests/debian-sysroot/build.sh >/dev/null

# CPython's regression tests under isola exec and qemu-riscv64, every module the
# issue names (make test runs a subset): a table per module, and a failure for any
# test that passes under QEMU but not under Isola.
cpython: build sysroot
	Tests/CPython/regrtest.py

# Tests that boot guests use the release build (ARCHITECTURE.md).
test: guests images debian sysroot
	swift build -c release --build-tests
	swift test -c release --skip-build
	$(MAKE) example
	$(MAKE) docs
	scripts/tsan.sh

# IsolaKit's documentation (DocC: its symbols and the getting-started article) into
# .build/docs; a warning fails it (part of make test).
docs:
	swift package --allow-writing-to-directory .build/docs generate-documentation --target IsolaKit --warnings-as-errors --output-path .build/docs

# Examples/EmbedLinux, a package of its own that embeds Isola through IsolaKit: built
# against this checkout and run on the default image (part of make test).
example: images
	swift build -c release --package-path Examples/EmbedLinux --scratch-path .build/examples
	Examples/EmbedLinux/check.sh

# The SMP, pause and hypervisor tests under ThreadSanitizer (part of make test).
tsan: guests images
	scripts/tsan.sh

# The translator against the interpreter on random instruction streams, for as long
# as SECONDS says (make test runs a fixed budget of the same tester). FIRST_SEED picks
# where to start, so two runs need not repeat each other.
SECONDS ?= 600
FIRST_SEED ?= 1
fuzz: setup
	swift build -c release --build-tests
	ISOLA_DIFF_SECONDS=$(SECONDS) ISOLA_DIFF_FIRST_SEED=$(FIRST_SEED) swift test -c release --skip-build --filter DifferentialTests.randomStreamsAgreeUnitByUnit

bench: build guests images
	Benchmarks/cpu-mips.sh
	Benchmarks/linux-boot.py
	Benchmarks/disk-throughput.py
	Benchmarks/net-throughput.py
	Benchmarks/process-vm.py
	Benchmarks/smp-scaling.py
	Benchmarks/snapshot.py
	Benchmarks/hypervisor.py
	Benchmarks/containers.py

# Runs the ISA test programs on QEMU, to check the tests themselves.
validate: setup
	Guests/isa-tests/validate-on-qemu.sh

clean:
	rm -rf .build
