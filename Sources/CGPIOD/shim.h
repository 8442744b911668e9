// libgpiod v1.6 (Debian 12, Raspberry Pi OS bookworm). Swift calls it directly; nothing to wrap yet.
#ifndef TANGLEMETER_CGPIOD_SHIM_H
#define TANGLEMETER_CGPIOD_SHIM_H
#include <gpiod.h>
#endif
