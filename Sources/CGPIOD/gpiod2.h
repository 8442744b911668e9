// libgpiod 2.x, `libgpiod.so.3` (Debian 13, Raspberry Pi OS trixie; bookworm-backports): the
// functions the gpiod backend calls, declared here because the library is loaded at run time. The
// list is checked against the real <gpiod.h> of libgpiod-dev 2.x by Sources/CGPIOD/check/gpiod-abi.c.
// An enum parameter is spelled as the integer type GCC and Clang give that enum (unsigned int when
// it has no negative constant, int otherwise), so the function types stay compatible with the
// header's and the check can prove it: `direction` is enum gpiod_line_direction, `value` is
// enum gpiod_line_value.
#ifndef TANGLEMETER_CGPIOD_GPIOD2_H
#define TANGLEMETER_CGPIOD_GPIOD2_H

#include "nonnull.h"

#include <stdbool.h>
#include <stddef.h>

struct gpiod_chip;
struct gpiod_chip_info;
struct gpiod_line_info;
struct gpiod_line_settings;
struct gpiod_line_config;
struct gpiod_request_config;
struct gpiod_line_request;

// X(return type, name without the gpiod_ prefix, parameters)
#define TM_GPIOD2_FUNCTIONS(X) \
    X(struct gpiod_chip *, chip_open, (const char *path)) \
    X(void, chip_close, (struct gpiod_chip *chip)) \
    X(struct gpiod_chip_info *, chip_get_info, (struct gpiod_chip *chip)) \
    X(void, chip_info_free, (struct gpiod_chip_info *info)) \
    X(const char *, chip_info_get_name, (struct gpiod_chip_info *info)) \
    X(const char *, chip_info_get_label, (struct gpiod_chip_info *info)) \
    X(size_t, chip_info_get_num_lines, (struct gpiod_chip_info *info)) \
    X(struct gpiod_line_info *, chip_get_line_info, (struct gpiod_chip *chip, unsigned int offset)) \
    X(const char *, line_info_get_consumer, (struct gpiod_line_info *info)) \
    X(void, line_info_free, (struct gpiod_line_info *info)) \
    X(struct gpiod_line_settings *, line_settings_new, (void)) \
    X(void, line_settings_free, (struct gpiod_line_settings *settings)) \
    X(int, line_settings_set_direction, (struct gpiod_line_settings *settings, unsigned int direction)) \
    X(void, line_settings_set_active_low, (struct gpiod_line_settings *settings, bool active_low)) \
    X(int, line_settings_set_output_value, (struct gpiod_line_settings *settings, int value)) \
    X(struct gpiod_line_config *, line_config_new, (void)) \
    X(void, line_config_free, (struct gpiod_line_config *config)) \
    X(int, line_config_add_line_settings, (struct gpiod_line_config *config, const unsigned int *offsets, \
                                          size_t num_offsets, struct gpiod_line_settings *settings)) \
    X(struct gpiod_request_config *, request_config_new, (void)) \
    X(void, request_config_free, (struct gpiod_request_config *config)) \
    X(void, request_config_set_consumer, (struct gpiod_request_config *config, const char *consumer)) \
    X(struct gpiod_line_request *, chip_request_lines, (struct gpiod_chip *chip, \
        struct gpiod_request_config *req_cfg, struct gpiod_line_config *line_cfg)) \
    X(int, line_request_set_value, (struct gpiod_line_request *request, unsigned int offset, int value)) \
    X(void, line_request_release, (struct gpiod_line_request *request)) \
    X(const char *, api_version, (void))

// GPIOD_LINE_DIRECTION_OUTPUT, GPIOD_LINE_VALUE_INACTIVE, GPIOD_LINE_VALUE_ACTIVE (v2's enums start at 1,
// its values at 0).
enum { TM_GPIOD2_DIRECTION_OUTPUT = 3 };
enum { TM_GPIOD2_VALUE_INACTIVE = 0, TM_GPIOD2_VALUE_ACTIVE = 1 };

#define TM_GPIOD2_TYPE(RET, NAME, PARAMS) typedef RET tm_gpiod2_##NAME##_fn PARAMS;
TM_GPIOD2_FUNCTIONS(TM_GPIOD2_TYPE)
#undef TM_GPIOD2_TYPE

// The functions of one loaded libgpiod.so.3, filled by tm_gpiod2_bind.
struct tm_gpiod2 {
#define TM_GPIOD2_FIELD(RET, NAME, PARAMS) tm_gpiod2_##NAME##_fn *_Nonnull NAME;
    TM_GPIOD2_FUNCTIONS(TM_GPIOD2_FIELD)
#undef TM_GPIOD2_FIELD
};

#endif
