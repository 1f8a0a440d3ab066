#pragma once

#include "validation.h"

namespace pvc::helper {

// Creates a new, non-persistent TUN device (IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL) named tun.name, gives it
// the address, netmask (the kernel adds the connected route) and MTU, and brings it up. Returns the fd and
// the device's index, or -1 with *error set; on failure nothing is left behind.
int openTun(const TunRequest& tun, int* ifindex, QString* error);

// Closes the helper's copy of a TUN fd and deletes the device by the index recorded at creation: any
// holder of the fd may make it persistent (TUNSETPERSIST needs no privilege) or keep its copy open,
// and neither may keep the device alive past the helper's close.
void closeTun(int fd, int ifindex, const QByteArray& name);

// A UDP socket bound to address:53, for pvcd's virtual DNS. Returns the fd, or -1 with *error set.
int openDnsSocket(quint32 address, QString* error);

} // namespace pvc::helper
