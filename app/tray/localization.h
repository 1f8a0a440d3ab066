#pragma once

#include <QLocale>
#include <QString>

namespace pvc::app {

// Installs pvc's translation for `locale` from the binary's resources (:/i18n/pvc_*.qm), English
// when there is none for that language, and Qt's own translation for standard buttons and dialogs.
// A second call replaces what the first installed; widgets get a LanguageChange event.
// Returns the language used, e.g. "fr" or "en".
QString installTranslations(const QLocale& locale);

} // namespace pvc::app
