#pragma once

#include <QString>

namespace pvc::ipc {

// The user's control socket: $XDG_RUNTIME_DIR/pvc/control.sock, in a directory only the user can enter.
QString defaultControlSocketPath();

} // namespace pvc::ipc
