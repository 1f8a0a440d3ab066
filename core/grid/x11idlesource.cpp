#include "grid/x11idlesource.h"

#include <QLibrary>

// The X headers define macros (None, Bool, Status...) that collide with Qt: they come last, here only.
#if __has_include(<X11/extensions/scrnsaver.h>)
#include <X11/extensions/scrnsaver.h>
#define PVC_HAVE_XSS_HEADER
#endif

namespace pvc::core {

#ifdef PVC_HAVE_XSS_HEADER
namespace {

struct XssApi {
    decltype(&XOpenDisplay) openDisplay = nullptr;
    decltype(&XCloseDisplay) closeDisplay = nullptr;
    decltype(&XDefaultRootWindow) defaultRootWindow = nullptr;
    decltype(&XFree) free = nullptr;
    decltype(&XSetErrorHandler) setErrorHandler = nullptr;
    decltype(&XScreenSaverQueryExtension) queryExtension = nullptr;
    decltype(&XScreenSaverAllocInfo) allocInfo = nullptr;
    decltype(&XScreenSaverQueryInfo) queryInfo = nullptr;

    bool complete() const
    {
        return openDisplay && closeDisplay && defaultRootWindow && free && setErrorHandler && queryExtension
            && allocInfo && queryInfo;
    }
};

// Xlib's default error handler exits the process; pvcd must outlive any X server.
int ignoreXError(Display*, XErrorEvent*)
{
    return 0;
}

const XssApi* xssApi()
{
    static const XssApi* api = []() -> const XssApi* {
        static QLibrary x11(QStringLiteral("X11"), 6);
        static QLibrary xss(QStringLiteral("Xss"), 1);
        static XssApi loaded;
        if (!x11.load() || !xss.load())
            return nullptr;
        loaded.openDisplay = reinterpret_cast<decltype(&XOpenDisplay)>(x11.resolve("XOpenDisplay"));
        loaded.closeDisplay = reinterpret_cast<decltype(&XCloseDisplay)>(x11.resolve("XCloseDisplay"));
        loaded.defaultRootWindow = reinterpret_cast<decltype(&XDefaultRootWindow)>(x11.resolve("XDefaultRootWindow"));
        loaded.free = reinterpret_cast<decltype(&XFree)>(x11.resolve("XFree"));
        loaded.setErrorHandler = reinterpret_cast<decltype(&XSetErrorHandler)>(x11.resolve("XSetErrorHandler"));
        loaded.queryExtension
            = reinterpret_cast<decltype(&XScreenSaverQueryExtension)>(xss.resolve("XScreenSaverQueryExtension"));
        loaded.allocInfo = reinterpret_cast<decltype(&XScreenSaverAllocInfo)>(xss.resolve("XScreenSaverAllocInfo"));
        loaded.queryInfo = reinterpret_cast<decltype(&XScreenSaverQueryInfo)>(xss.resolve("XScreenSaverQueryInfo"));
        if (!loaded.complete())
            return nullptr;
        loaded.setErrorHandler(&ignoreXError);
        return &loaded;
    }();
    return api;
}

} // namespace

// The display is opened for each question and closed at once: Xlib ends the process when a
// connection it holds breaks, so pvcd holds none between questions.
std::optional<int> X11IdleSource::idleSeconds()
{
    if (qEnvironmentVariableIsEmpty("DISPLAY"))
        return std::nullopt;
    const XssApi* api = xssApi();
    if (!api)
        return std::nullopt;
    Display* display = api->openDisplay(nullptr);
    if (!display)
        return std::nullopt;
    std::optional<int> seconds;
    int eventBase = 0;
    int errorBase = 0;
    if (api->queryExtension(display, &eventBase, &errorBase)) {
        if (XScreenSaverInfo* info = api->allocInfo()) {
            if (api->queryInfo(display, api->defaultRootWindow(display), info))
                seconds = int(info->idle / 1000);
            api->free(info);
        }
    }
    api->closeDisplay(display);
    return seconds;
}

#else

std::optional<int> X11IdleSource::idleSeconds()
{
    return std::nullopt; // built without the X screensaver headers (Debian: libxss-dev)
}

#endif

} // namespace pvc::core
