#pragma once

#include "validation.h"

namespace pvc::helper {

// Creates a non-persistent TUN device (IFF_TUN | IFF_NO_PI) named tun.name, gives it the address,
// netmask (the kernel adds the connected route) and MTU, and brings it up. Returns the fd, or -1
// with *error set; on failure nothing is left behind. The device exists while any copy of the fd is open.
int openTun(const TunRequest& tun, QString* error);

// Closes the helper's copy of a TUN fd. Any holder of the fd may make the device persistent
// (TUNSETPERSIST needs no privilege), so that is switched off first: the device must go once the
// caller's copy closes too.
void closeTun(int fd);

// A UDP socket bound to address:53, for pvcd's virtual DNS. Returns the fd, or -1 with *error set.
int openDnsSocket(quint32 address, QString* error);

} // namespace pvc::helper
