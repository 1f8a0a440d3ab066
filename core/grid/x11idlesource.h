#pragma once

#include "grid/idlesource.h"

namespace pvc::core {

// The X11 screensaver extension's idle time (XScreenSaverQueryInfo) on $DISPLAY. libX11 and libXss
// are loaded at run time, so neither pvcd nor the broker links them and a headless machine needs
// neither; without them or without a display this source does not answer.
class X11IdleSource : public IdleSource {
public:
    std::optional<int> idleSeconds() override;
    QString name() const override { return QStringLiteral("x11-screensaver"); }
};

} // namespace pvc::core
