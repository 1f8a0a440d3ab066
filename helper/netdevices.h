#pragma once

#include "validation.h"

#include <QByteArray>
#include <optional>

namespace pvc::helper {

// Deletes the network device with this index (netlink RTM_DELLINK), if it still bears this name: a caller
// that kept a copy of a TUN fd, or made the device persistent, cannot keep it past the helper's close.
// True when the device is gone (or was already).
bool deleteLink(int ifindex, const QByteArray& name);

// At start: TUN devices named pvcN left by a helper that was killed (or made persistent by a caller) are
// deleted. Returns how many.
int removeStaleTunDevices();

// Refuses an address and prefix that overlap an address already on an interface (another caller's TUN
// device included) or a route other than a default route: one member must not take over another's
// overlay traffic, nor a LAN's. helper.address_in_use.
std::optional<Refusal> checkAddressConflicts(const TunRequest& tun);

} // namespace pvc::helper
