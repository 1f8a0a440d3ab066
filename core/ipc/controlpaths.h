#pragma once

#include <QString>

namespace pvc::ipc {

// The user's control socket: $XDG_RUNTIME_DIR/pvc/control.sock, in a directory only the user can enter.
QString defaultControlSocketPath();

// A machine name for the overlay: the hostname, lowercased, with anything else turned into dashes.
// pvcd uses it when `join` names no machine, and the tray offers it on the Join screen.
QString defaultMachineName();

// Where an installed project bundle is looked for when no --project is given: pvc/project.json in the
// user's, then the system's config directories, then in the data directories, else
// /usr/share/pvc/project.json. pvcd and the tray both use it, so they always agree.
QString defaultProjectBundlePath();

} // namespace pvc::ipc
