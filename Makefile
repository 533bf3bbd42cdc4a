# Baton build. `make` builds into build/, `make install PREFIX=dir` installs.
# `make SAN=1` builds with AddressSanitizer + UBSan into build-san/.
# `make fuzz` builds the libFuzzer harnesses of tests/fuzz into build-fuzz/ (clang).
PREFIX   ?= $(CURDIR)/.venv
CC       ?= cc
ifeq ($(SAN),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      ?= -O1 -g
LTO      ?=
else
BUILD    ?= build
SANFLAGS :=
OPT      ?= -O2 -g
# Whole-library optimization: the entry points, checks and protocol live in
# different files, and inlining across them is 5-25% of a small message's time.
LTO      ?= -flto=auto
endif
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SANFLAGS) -pthread
LIB_CFLAGS := $(CFLAGS_COMMON) $(LTO) -fPIC -fvisibility=hidden -Iinclude -Isrc
LIB_LDFLAGS := -shared -Wl,--version-script=src/libmpi.map -Wl,-soname,libmpi.so.0 -Wl,-z,defs $(SANFLAGS) -pthread $(LTO) $(OPT) $(WARN)

LIB_SRCS := $(shell find src -name '*.c' | sort)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# mpiexec and baton-proxy share every file but their main.
# The environment's table (src/util/env.c) is theirs too.
MPIEXEC_ALL  := $(sort $(wildcard tools/mpiexec/*.c)) src/util/env.c
MPIEXEC_SRCS := $(filter-out tools/mpiexec/proxy_main.c,$(MPIEXEC_ALL))
PROXY_SRCS   := $(filter-out tools/mpiexec/main.c,$(MPIEXEC_ALL))
MPICC_SRCS := $(sort $(wildcard tools/mpicc/*.c))

LIB := $(BUILD)/lib/libmpi.so
MPIEXEC := $(BUILD)/bin/mpiexec
PROXY := $(BUILD)/bin/baton-proxy
MPICC := $(BUILD)/bin/mpicc

all: $(LIB) $(MPIEXEC) $(PROXY) $(MPICC) $(BUILD)/include/mpi.h $(BUILD)/bin/mpirun

$(BUILD)/obj/%.o: %.c $(wildcard include/*.h) $(shell find src -name '*.h')
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c $< -o $@

# The bindings (mpi.h's prototypes, src/api/aliases.ld, src/libmpi.map) are
# scripts/gen_bindings.py's output from the standard's API; run it after adding
# or removing an entry point.
$(LIB): $(LIB_OBJS) src/libmpi.map src/api/aliases.ld
	@mkdir -p $(dir $@)
	$(CC) $(LIB_LDFLAGS) -o $@.0 $(LIB_OBJS) src/api/aliases.ld -lrt
	ln -sf libmpi.so.0 $@

$(MPIEXEC): $(MPIEXEC_SRCS) $(wildcard tools/mpiexec/*.h) src/util/bt_env.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -Isrc -o $@ $(MPIEXEC_SRCS) -lsodium

$(PROXY): $(PROXY_SRCS) $(wildcard tools/mpiexec/*.h) src/util/bt_env.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -Isrc -o $@ $(PROXY_SRCS) -lsodium

$(BUILD)/bin/mpirun: $(MPIEXEC)
	ln -sf mpiexec $@

$(MPICC): $(MPICC_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $(MPICC_SRCS)

$(BUILD)/include/mpi.h: include/mpi.h
	@mkdir -p $(dir $@)
	cp $< $@

install: all
	mkdir -p $(PREFIX)/bin $(PREFIX)/lib $(PREFIX)/include
	@# A running mpiexec or a loaded libmpi keeps its old, unlinked file.
	rm -f $(PREFIX)/lib/libmpi.so.0 $(PREFIX)/bin/mpiexec $(PREFIX)/bin/baton-proxy $(PREFIX)/bin/mpicc
	cp $(LIB).0 $(PREFIX)/lib/libmpi.so.0
	ln -sf libmpi.so.0 $(PREFIX)/lib/libmpi.so
	cp include/mpi.h $(PREFIX)/include/mpi.h
	cp $(MPIEXEC) $(PREFIX)/bin/mpiexec
	cp $(PROXY) $(PREFIX)/bin/baton-proxy
	ln -sf mpiexec $(PREFIX)/bin/mpirun
	cp $(MPICC) $(PREFIX)/bin/mpicc

# The fuzz harnesses: each runs the real parsing code on any bytes
# (tests/fuzz/test_fuzz.py runs them).  The launcher's harnesses take its
# files but the mains; fuzz_control.c compiles head.c itself and pmi_client.c
# src/runtime/pmi.c, for code and state those files keep static.
FUZZ_CC     ?= clang
FUZZ_BUILD  := build-fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -pthread \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
               -Iinclude -Isrc -Itools/mpiexec -Itests/fuzz
FUZZ_NAMES  := control pmi hostfile options env netheader setup
FUZZ_HDRS   := $(wildcard include/*.h) $(shell find src -name '*.h') \
               $(wildcard tools/mpiexec/*.h) tests/fuzz/bt_fuzz.h
FUZZ_LAUNCHER := $(filter-out tools/mpiexec/main.c tools/mpiexec/proxy_main.c,$(MPIEXEC_ALL))
fuzz_control_SRCS   := $(filter-out tools/mpiexec/head.c,$(FUZZ_LAUNCHER)) tests/fuzz/job.c
fuzz_pmi_SRCS       := $(FUZZ_LAUNCHER) tests/fuzz/job.c tests/fuzz/pmi_client.c
fuzz_hostfile_SRCS  := tools/mpiexec/hosts.c tools/mpiexec/place.c
fuzz_options_SRCS   := tools/mpiexec/options.c tools/mpiexec/hosts.c src/util/env.c
fuzz_env_SRCS       := src/util/env.c
fuzz_netheader_SRCS := src/transport/net/frame.c
fuzz_setup_SRCS     := tools/mpiexec/setup.c tools/mpiexec/channel.c
fuzz_control_LIBS   := -lsodium
fuzz_pmi_LIBS       := -lsodium
fuzz_obj = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(1))

fuzz: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/obj/tests/fuzz/fuzz_control.o: tools/mpiexec/head.c
$(FUZZ_BUILD)/obj/tests/fuzz/pmi_client.o: src/runtime/pmi.c

.PRECIOUS: $(FUZZ_BUILD)/obj/%.o
.SECONDEXPANSION:
$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/obj/tests/fuzz/util.o \
                      $$(call fuzz_obj,$$(fuzz_$$*_SRCS))
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(fuzz_$*_LIBS)

clean:
	rm -rf build build-san $(FUZZ_BUILD)

.PHONY: all install clean fuzz
