#pragma once

#include "statetext.h"

#include <QIcon>

namespace pvc::app {

// Registers the icons and the autostart template compiled into the static library.
void initTrayResources();

// The icons live in resources/icons as SVG with 16, 32 and 64 px PNG renderings. The SVG is used
// where Qt's SVG plugin is installed, the PNGs everywhere else.
QIcon stateIcon(TrayState state);
QIcon applicationIcon();

} // namespace pvc::app
