// libgpiod, loaded at run time (DESIGN §2): the firmware links no libgpiod, so one binary runs on
// Raspberry Pi OS trixie (libgpiod.so.3, v2 API) and bookworm (libgpiod.so.2, v1 API). Swift
// dlopen()s the library with RTLD_LOCAL (both export gpiod_chip_open, with different meanings) and
// has the table of its API filled here by dlsym on that handle. Nothing else lives here.
#ifndef TANGLEMETER_CGPIOD_SHIM_H
#define TANGLEMETER_CGPIOD_SHIM_H

#include <dlfcn.h>
#include "gpiod1.h"
#include "gpiod2.h"

// Fills `api` from `handle`; returns NULL, or the name of the first symbol the library lacks
// (then `api` is incomplete and must not be used). POSIX's way to store dlsym's void * into a
// function pointer: through a void ** to the field.
#define TM_GPIOD_BIND(RET, NAME, PARAMS) \
    if ((*(void **)&api->NAME = dlsym(handle, "gpiod_" #NAME)) == NULL) return "gpiod_" #NAME;

static inline const char *tm_gpiod1_bind(void *handle, struct tm_gpiod1 *api) {
    TM_GPIOD1_FUNCTIONS(TM_GPIOD_BIND)
    return NULL;
}

static inline const char *tm_gpiod2_bind(void *handle, struct tm_gpiod2 *api) {
    TM_GPIOD2_FUNCTIONS(TM_GPIOD_BIND)
    return NULL;
}

#undef TM_GPIOD_BIND
#endif
