# loaxa — build, test, run, install.
# Objects and programs go to $(BUILD); `make SAN=1` builds an ASan/UBSan variant in build-san/.

PREFIX   ?= /usr/local
DESTDIR  ?=
SAN      ?= 0
CROSS    ?=
# cross builds: one build dir per target triplet (see the cross block near the end)
ifneq ($(CROSS),)
BUILD    ?= build-$(CROSS)
endif

ifeq ($(SAN),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD    ?= build
SANFLAGS :=
endif

# CC and PKG_CONFIG of a cross build are set in the cross block near the end.
PKG_CONFIG ?= pkg-config

PKGS     := alsa libmpg123 libconfig jansson libcurl libsodium libxml-2.0 libsystemd espeak-ng \
            libavformat libavcodec libswresample libavutil libebur128
CPPFLAGS += -I. -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -Wall -Wextra -Werror -Wshadow -Wformat=2 -pthread $(SANFLAGS) \
            $(shell $(PKG_CONFIG) --cflags $(PKGS))
LDFLAGS  += -pthread $(SANFLAGS)
LDLIBS   += $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm

LIB_DIRS := core audio playlists scheduler bulletins control report
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libloaxa.a

# The web layer both consoles share (web/README.md): its own library, so that
# only the consoles link libmicrohttpd.
WEB_PKGS   := libmicrohttpd
WEB_SRCS   := $(wildcard web/*.c)
WEB_LIB    := $(BUILD)/libloaxaweb.a
WEB_LDLIBS  = $(shell $(PKG_CONFIG) --libs $(WEB_PKGS))
# Folders whose pages/, static/ and i18n/ `make install` puts under share/loaxa/.
WEB_ROOTS  := web web/console collector
CFLAGS     += $(shell $(PKG_CONFIG) --cflags $(WEB_PKGS))

# loaxa-collector, the district's console (PostgreSQL through libpq).
COLLECTOR_PKGS := libpq
COLLECTOR_SRCS := $(wildcard collector/*.c)
CFLAGS     += $(shell $(PKG_CONFIG) --cflags $(COLLECTOR_PKGS))
# Where the installed pages are found (the setting 'share' overrides it).
$(BUILD)/collector/conf.o: CPPFLAGS += -DLOAXA_SHARE_DIR='"$(PREFIX)/share/loaxa"'

CTL_SRCS := $(wildcard tools/loaxactl/*.c)
PUB_SRCS := $(wildcard tools/publish/*.c)
WEBCON_SRCS := $(wildcard tools/console/*.c)
PROGS    := $(BUILD)/loaxad $(BUILD)/loaxa-net $(BUILD)/loaxactl $(BUILD)/loaxa-publish \
            $(BUILD)/loaxa-collector $(BUILD)/loaxa-web
# The network process and loaxad's side of it (net/netproc implements bulletins/fetch.h,
# so loaxad links it before the library and never pulls in bulletins/fetch.o).
NET_MSG  := $(BUILD)/net/netmsg.o

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(wildcard tests/tools/*.c)) \
              $(patsubst tests/tools/preload/%.c,$(BUILD)/tests/tools/lib%.so,$(wildcard tests/tools/preload/*.c))

FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
FUZZ_SECONDS ?= 20

PYTEST   ?= /usr/bin/python3 -m pytest

# Keep objects of tests and tools: they are not intermediate files to delete.
.SECONDARY:

.PHONY: all deps run check check-all check-unit check-san all-tests-san check-fuzz fuzz install clean

all: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(WEB_LIB): $(WEB_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/loaxad: $(BUILD)/daemon/loaxad.o $(BUILD)/net/netproc.o $(NET_MSG) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/loaxa-net: $(BUILD)/net/loaxa-net.o $(BUILD)/net/sandbox.o $(NET_MSG) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs libseccomp) -o $@

$(BUILD)/tests/test_netmsg: $(BUILD)/tests/unit/test_netmsg.o $(NET_MSG) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka) -o $@

$(BUILD)/loaxactl: $(CTL_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/loaxa-publish: $(PUB_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/loaxa-collector: $(COLLECTOR_SRCS:%.c=$(BUILD)/%.o) $(WEB_LIB) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(WEB_LDLIBS) $(shell $(PKG_CONFIG) --libs $(COLLECTOR_PKGS)) -o $@

# The operator's console: its pages come from $(WEBDIR) (web/ in the tree).
# make install puts web/ and web/console/ there. (A comment on the WEBDIR line itself
# would leave its spaces in the path compiled into loaxa-web.)
WEBDIR ?= $(PREFIX)/share/loaxa/web
$(BUILD)/tools/console/main.o: CPPFLAGS += -DLOAXA_WEB_DIR='"$(WEBDIR)"'
$(BUILD)/loaxa-web: $(WEBCON_SRCS:%.c=$(BUILD)/%.o) $(WEB_LIB) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(WEB_LDLIBS) -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka) -o $@

# Unit tests of the web layer link it too.
$(BUILD)/tests/test_web_%: $(BUILD)/tests/unit/test_web_%.o $(WEB_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(WEB_LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka) -o $@

# Unit tests of the collector link its modules (not its main).
$(BUILD)/tests/test_collector_%: $(BUILD)/tests/unit/test_collector_%.o \
    $(filter-out $(BUILD)/collector/main.o,$(COLLECTOR_SRCS:%.c=$(BUILD)/%.o)) $(WEB_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(WEB_LDLIBS) $(shell $(PKG_CONFIG) --libs $(COLLECTOR_PKGS)) \
	    $(shell $(PKG_CONFIG) --libs cmocka) -o $@

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs libpulse-simple libpulse 2>/dev/null) -o $@

# LD_PRELOAD shims for the system tests: no sanitizer (it must not load first).
$(BUILD)/tests/tools/lib%.so: tests/tools/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -O2 -Wall -Wextra -Werror -shared -fPIC $< -ldl -o $@

# libFuzzer targets: clang only, built apart from the main objects. The library is
# compiled once for all of them (fuzzer-no-link instruments it for coverage), not
# once per target: with a dozen targets that was most of check-fuzz's time.
FUZZ_CFLAGS := -std=c17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined
FUZZ_OBJS   := $(LIB_SRCS:%.c=build-fuzz/obj/%.o)

build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(PKGS)) -MMD -MP -c $< -o $@

build-fuzz/libloaxa-fuzz.a: $(FUZZ_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libloaxa-fuzz.a
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined \
	    $(shell pkg-config --cflags $(PKGS)) $^ $(shell pkg-config --libs $(PKGS)) -lm -o $@

deps:
	sh tools/install-deps.sh

run: deps
	$(MAKE) all
	sh etc/demo/run-demo.sh

check: deps deps-cross
	$(MAKE) check-all

# Everything, in order of cost: unit tests (under valgrind), the ASan/UBSan build,
# short fuzzing, the system tests, the Pi builds under qemu, the Debian package.
check-all: all $(UNIT_TESTS) $(TEST_TOOLS)
	sh tests/run-unit.sh --valgrind $(BUILD)
	$(MAKE) check-san
	$(MAKE) check-fuzz
	LOAXA_BUILD=$(BUILD) $(PYTEST) -q tests/system
	$(MAKE) check-cross
	$(MAKE) check-package
	@echo "make check: all tests passed"

# The fast path while working: build and run the unit tests, under valgrind
# (VALGRIND=no: without; about five times faster).
VALGRIND ?= yes
check-unit: $(UNIT_TESTS)
	sh tests/run-unit.sh $(if $(filter yes,$(VALGRIND)),--valgrind) $(BUILD)

check-san:
	$(MAKE) SAN=1 all-tests-san
	sh tests/run-unit.sh build-san
	LOAXA_BUILD=build-san LOAXA_QUICK=1 $(PYTEST) -q tests/system -m "not slow"

all-tests-san: $(PROGS) $(UNIT_TESTS) $(TEST_TOOLS)

check-fuzz: $(FUZZ_BINS)
	sh tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	sh tests/run-fuzz.sh 3600 $(FUZZ_BINS)

# Where the systemd unit goes; empty skips it (the Debian package installs its own).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system

# The installed chime (audio.chime = "/usr/share/loaxa/chime.mp3"; a commune may
# put its own jingle there). The default "" uses the same sound built in.
$(BUILD)/chime.mp3: tools/make-chime.sh
	@mkdir -p $(dir $@)
	sh tools/make-chime.sh $@

install: all $(BUILD)/chime.mp3
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/loaxad $(BUILD)/loaxa-net $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(BUILD)/loaxactl $(BUILD)/loaxa-publish $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BUILD)/loaxa-collector $(DESTDIR)$(PREFIX)/sbin/loaxa-collector
	install -m 0755 $(BUILD)/loaxa-web $(DESTDIR)$(PREFIX)/sbin/loaxa-web
	set -e; for root in $(WEB_ROOTS); do for sub in pages static i18n; do \
	    [ -d $$root/$$sub ] || continue; \
	    install -d $(DESTDIR)$(PREFIX)/share/loaxa/$$root/$$sub; \
	    install -m 0644 $$root/$$sub/* $(DESTDIR)$(PREFIX)/share/loaxa/$$root/$$sub/; \
	done; done
	install -d $(DESTDIR)$(PREFIX)/share/doc/loaxa $(DESTDIR)$(PREFIX)/share/loaxa
	install -m 0644 etc/loaxa.conf.example $(DESTDIR)$(PREFIX)/share/doc/loaxa/loaxa.conf.example
	install -m 0644 etc/collector.conf.example $(DESTDIR)$(PREFIX)/share/doc/loaxa/collector.conf.example
	install -m 0644 $(BUILD)/chime.mp3 $(DESTDIR)$(PREFIX)/share/loaxa/chime.mp3
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 docs/man/loaxactl.1 docs/man/loaxa-publish.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 docs/man/loaxa.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 docs/man/loaxad.8 docs/man/loaxa-collector.8 docs/man/loaxa-web.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/
	if [ -n "$(SYSTEMDUNITDIR)" ]; then \
	    install -d $(DESTDIR)$(SYSTEMDUNITDIR); \
	    sed 's,/usr/local/,$(PREFIX)/,g' etc/loaxad.service > $(DESTDIR)$(SYSTEMDUNITDIR)/loaxad.service; \
	    sed 's,/usr/local/,$(PREFIX)/,g' etc/loaxa-collector.service \
	        > $(DESTDIR)$(SYSTEMDUNITDIR)/loaxa-collector.service; \
	    sed 's,/usr/local/,$(PREFIX)/,g' etc/loaxa-web.service \
	        > $(DESTDIR)$(SYSTEMDUNITDIR)/loaxa-web.service; \
	fi

clean:
	rm -rf build build-san build-fuzz

# ---- cross builds for the Raspberry Pi (owner: cross/packaging) ------------------------
# `make CROSS=aarch64-linux-gnu` (Pi 3/4/5, 64-bit OS) or `make CROSS=arm-linux-gnueabihf`
# (32-bit Raspberry Pi OS, ARMv7+) builds into build-$(CROSS)/ with Debian's cross gcc
# against a sysroot of Debian's arm64/armhf -dev packages, made by `make deps-cross`
# (tools/install-deps.sh --cross explains why a sysroot rather than host multiarch).
# SYSROOT=/ uses host multiarch packages (dpkg --add-architecture) instead.
# `make check-cross` builds both and runs the unit tests and `loaxad --check` under qemu-user,
# then the system tests that need no PulseAudio with the target programs under qemu-user
# (tests/run-cross-system.sh; CROSS_SYSTEM=no leaves them out).
CROSS_TRIPLETS := aarch64-linux-gnu arm-linux-gnueabihf
SYSROOTS       ?= /opt/loaxa-sysroot
deb_arch        = $(if $(filter aarch64-%,$(1)),arm64,$(if $(filter arm-%,$(1)),armhf,$(1)))
ifneq ($(CROSS),)
SYSROOT    ?= $(SYSROOTS)/$(call deb_arch,$(CROSS))
CC         := $(CROSS)-gcc --sysroot=$(SYSROOT)
AR         := $(CROSS)-ar
# Prefixed system paths make pkgconf drop -I/-L of the sysroot's own system dirs,
# which gcc --sysroot searches anyway (and as system dirs, so -Werror ignores their headers).
PKG_CONFIG := env PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
    PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/$(CROSS)/pkgconfig:$(SYSROOT)/usr/share/pkgconfig \
    PKG_CONFIG_SYSTEM_INCLUDE_PATH=$(SYSROOT)/usr/include:$(SYSROOT)/usr/include/$(CROSS) \
    PKG_CONFIG_SYSTEM_LIBRARY_PATH=$(SYSROOT)/usr/lib/$(CROSS):$(SYSROOT)/lib/$(CROSS):$(SYSROOT)/usr/lib \
    pkg-config
endif

.PHONY: deps-cross check-cross cross-build clean-cross check-package package-cross

deps-cross:
	sh tools/install-deps.sh --cross

# Programs and unit tests of one CROSS build (the PulseAudio test tools are not cross-built).
cross-build: $(PROGS) $(UNIT_TESTS)

CROSS_SYSTEM ?= yes
check-cross:
	@set -e; failed=; for t in $(CROSS_TRIPLETS); do \
	    $(MAKE) --no-print-directory CROSS=$$t cross-build; \
	    root=$(SYSROOTS)/$$(case $$t in aarch64-*) echo arm64;; *) echo armhf;; esac); \
	    sh tests/run-cross.sh $$t build-$$t $$root || failed="$$failed $$t-unit"; \
	    if [ "$(CROSS_SYSTEM)" != no ]; then \
	        sh tests/run-cross-system.sh $$t build-$$t $$root || failed="$$failed $$t-system"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "make check-cross: failed:$$failed"; exit 1; fi
	@echo "make check-cross: all cross tests passed"

# The Pi's Debian packages, built here by dpkg-buildpackage -a with the cross compilers and
# the sysroots (debian/rules passes CROSS and SYSROOT): $(PKG_DIR)/loaxa_VERSION_{arm64,armhf}.deb.
# It builds in a copy of the tree, so neither the checkout nor anyone's build dir is touched.
PKG_DIR ?= build-pkg
package-cross:
	rm -rf $(PKG_DIR)/src $(PKG_DIR)/loaxa[-_]* && mkdir -p $(PKG_DIR)/src
	git ls-files -co --exclude-standard -z | xargs -0 tar -cf - 2>/dev/null | tar -xf - -C $(PKG_DIR)/src
	@set -e; for a in arm64 armhf; do \
	    echo "package-cross: dpkg-buildpackage -a $$a -us -uc -b -d (log: $(PKG_DIR)/build-$$a.log)"; \
	    (cd $(PKG_DIR)/src && dpkg-buildpackage -a $$a -Jauto -us -uc -b -d) >$(PKG_DIR)/build-$$a.log 2>&1 || \
	        { tail -n 40 $(PKG_DIR)/build-$$a.log; exit 1; }; \
	done
	rm -rf $(PKG_DIR)/src
	@ls $(PKG_DIR)/*.deb

# Builds the amd64 .deb, installs it here, checks it, removes it (root only; CI runs it);
# then builds and checks the arm64 and armhf packages (no root needed).
check-package:
	sh tests/package/test-deb.sh
	sh tests/package/test-deb-cross.sh

clean-cross:
	rm -rf $(CROSS_TRIPLETS:%=build-%)
# ---- end of cross builds -----------------------------------------------------------------

-include $(shell find $(BUILD) build-fuzz/obj -name '*.d' 2>/dev/null)
