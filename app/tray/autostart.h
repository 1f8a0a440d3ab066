#pragma once

#include <QString>

namespace pvc::app {

// "Start pvc when I log in": an XDG autostart entry in ~/.config/autostart, written only when the
// user ticks the box and removed when they untick it. Nothing is installed system-wide.
namespace autostart {

QString entryPath();
bool isEnabled();
bool setEnabled(bool enabled, QString* error);

} // namespace autostart

} // namespace pvc::app
