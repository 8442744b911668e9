// libgpiod 1.x, `libgpiod.so.2` (Debian 12, Raspberry Pi OS bookworm): the functions the gpiod
// backend calls, declared here because the library is loaded at run time and its header is not
// needed to build. The list is checked against the real <gpiod.h> of libgpiod-dev 1.6 by
// Sources/CGPIOD/check/gpiod-abi.c (`make gpiod-abi`, run by every firmware build).
#ifndef TANGLEMETER_CGPIOD_GPIOD1_H
#define TANGLEMETER_CGPIOD_GPIOD1_H

#include "nonnull.h"

struct gpiod_chip;
struct gpiod_line;

// X(return type, name without the gpiod_ prefix, parameters)
#define TM_GPIOD1_FUNCTIONS(X) \
    X(struct gpiod_chip *, chip_open, (const char *path)) \
    X(void, chip_close, (struct gpiod_chip *chip)) \
    X(const char *, chip_name, (struct gpiod_chip *chip)) \
    X(const char *, chip_label, (struct gpiod_chip *chip)) \
    X(unsigned int, chip_num_lines, (struct gpiod_chip *chip)) \
    X(struct gpiod_line *, chip_get_line, (struct gpiod_chip *chip, unsigned int offset)) \
    X(int, line_request_output_flags, (struct gpiod_line *line, const char *consumer, int flags, int default_val)) \
    X(int, line_update, (struct gpiod_line *line)) \
    X(const char *, line_consumer, (struct gpiod_line *line)) \
    X(int, line_set_value, (struct gpiod_line *line, int value)) \
    X(void, line_release, (struct gpiod_line *line)) \
    X(const char *, version_string, (void))

// GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW
enum { TM_GPIOD1_REQUEST_FLAG_ACTIVE_LOW = 4 };

#define TM_GPIOD1_TYPE(RET, NAME, PARAMS) typedef RET tm_gpiod1_##NAME##_fn PARAMS;
TM_GPIOD1_FUNCTIONS(TM_GPIOD1_TYPE)
#undef TM_GPIOD1_TYPE

// The functions of one loaded libgpiod.so.2, filled by tm_gpiod1_bind.
struct tm_gpiod1 {
#define TM_GPIOD1_FIELD(RET, NAME, PARAMS) tm_gpiod1_##NAME##_fn *_Nonnull NAME;
    TM_GPIOD1_FUNCTIONS(TM_GPIOD1_FIELD)
#undef TM_GPIOD1_FIELD
};

#endif
