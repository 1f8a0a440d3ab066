#pragma once

#include <QStringList>

namespace pvc::app {

// `pvc-admin COMMAND ...`: init, invite, serve, hosts, revoke, policy. Returns the process exit code;
// `serve` runs the event loop until it is stopped.
int runAdminCommand(const QStringList& arguments);

} // namespace pvc::app
