#pragma once

#include <QString>

namespace pvc::helper {

// Once the socket is listening and stale devices are gone: keeps only the capabilities the commands use
// (CAP_NET_ADMIN for TUN devices, their addresses and deleting them; CAP_NET_RAW for Traversing-TCP's
// capture and injection; CAP_NET_BIND_SERVICE for the DNS socket on port 53), empties the bounding and
// inheritable sets, and sets no_new_privs, so that nothing the helper could be made to run gains more.
// False with *error when the kernel refused (the helper then does not serve).
bool dropPrivileges(QString* error);

} // namespace pvc::helper
