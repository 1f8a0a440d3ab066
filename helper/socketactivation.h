#pragma once

#include <QString>

// Socket activation (sd_listen_fds(3)'s protocol, without libsystemd): systemd's pvc-helper.socket, or
// systemd-socket-activate, made the listening socket and passes it as descriptor 3 with LISTEN_PID and
// LISTEN_FDS in the environment.
namespace pvc::helper {

// The passed socket: -1 when none was passed to this process; -2 with *error when one was, but it is not
// exactly one listening Unix stream socket. The variables are removed either way, so nothing the helper
// runs inherits them.
int activatedSocket(QString* error);

} // namespace pvc::helper
