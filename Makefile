# pktlens - build, test, benchmark, install.
#   make            build build/pktlens
#   make test       install missing packages, build, run every test
#   make demo       install missing packages, build, run the demo lab
#   make bench      benchmarks (ratios against baselines measured in the same run)
#   make fuzz       libFuzzer targets (tests/fuzz/fuzz.mk); make fuzz-ci: short, fixed seed
#   make SAN=1 ...  build with -fsanitize=address,undefined (into build-san/)
#   V=1             show full commands

CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
PREFIX  ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SAN     ?=
BUILD   ?= $(if $(SAN),build-san,build)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' "$(1)" "$(2)"
endif

ARCH_INC := /usr/include/$(shell uname -m)-linux-gnu
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CFLAGS   ?= -O2 -g
comma    := ,
SANFLAGS := $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer)
XCFLAGS  := -std=gnu11 -Wall -Wextra -Werror -Wno-missing-field-initializers \
	    -Iinclude -Isrc -I$(BUILD) -DPKTLENS_VERSION='"$(VERSION)"' $(SANFLAGS)
LDLIBS   := -lbpf -lelf -lz -lpcap -lncursesw -lndpi -lm -lmicrohttpd -ljson-c -linih -lsqlite3 -lpthread -lhs -lpcre2-8 -lgcrypt
BPFFLAGS := -g -O2 -target bpf -mcpu=v3 -D__bpf__ -Iinclude -I$(ARCH_INC) -Wall -Werror

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# User space: every .c under src/ except main.c forms a library the tests link too.
LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*/*.c))
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
LIB      := $(BUILD)/libpktlens.a

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: FORCE all deps test test-full test-unit test-bpf test-e2e test-corpus bench demo install clean

all: $(BUILD)/pktlens

deps:
	$(Q)scripts/install-deps.sh

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h include/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPFFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*/*.h include/*.h) $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(XCFLAGS) -c $< -o $@

# `pktlens demo` runs scripts/demo-lab.sh, embedded as a C array (installed binary: no extra file).
$(BUILD)/demo_lab.h: scripts/demo-lab.sh
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo 'static const char pl_demo_lab[] = {'; od -An -v -tx1 $< | \
		sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '0x00 };'; } > $@

$(BUILD)/obj/commands/demo.o: $(BUILD)/demo_lab.h

# The dashboard of `pktlens serve` (GET /): one page, embedded the same way.
$(BUILD)/dashboard_html.h: src/serve/dashboard.html
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo 'static const char pl_dashboard_html[] = {'; od -An -v -tx1 $< | \
		sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '0x00 };'; } > $@

$(BUILD)/obj/serve/dashboard.o: $(BUILD)/dashboard_html.h

# Made anew each time: `ar r` would keep the object of a source file since removed.
$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/pktlens: $(BUILD)/obj/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

include tests/tests.mk
CFLAGS_EXTRA := $(SANFLAGS)
include tests/filter/filter.mk
include bench/bench.mk
include tests/fuzz/fuzz.mk

demo: deps all
	$(BUILD)/pktlens demo

# The systemd unit, with this build's paths.
$(BUILD)/pktlens.service: scripts/pktlens.service.in FORCE
	$(Q)mkdir -p $(@D)
	$(Q)sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

FORCE:

# The example configuration becomes $(SYSCONFDIR)/pktlens/pktlens.conf unless one is there.
install: all $(BUILD)/pktlens.service
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/doc/pktlens $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/pktlens
	install -m 0644 $(BUILD)/pktlens.service $(DESTDIR)$(UNITDIR)/pktlens.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/pktlens/pktlens.conf ] || \
		install -m 0644 docs/pktlens.conf.example $(DESTDIR)$(SYSCONFDIR)/pktlens/pktlens.conf
	install -m 0755 $(BUILD)/pktlens $(DESTDIR)$(PREFIX)/bin/pktlens
	install -d $(DESTDIR)$(PREFIX)/lib/pktlens
	install -m 0644 $(BUILD)/bpf/pktlens.bpf.o $(DESTDIR)$(PREFIX)/lib/pktlens/pktlens.bpf.o
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 docs/pktlens.conf.example $(DESTDIR)$(PREFIX)/share/doc/pktlens/
	install -m 0644 scripts/pktlens.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/pktlens

clean:
	rm -rf build build-san
