#include "localization.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace pvc::app {

namespace {
QTranslator* g_pvcTranslator = nullptr;
QTranslator* g_qtTranslator = nullptr;

void replace(QTranslator*& slot, QTranslator* translator)
{
    if (slot) {
        QCoreApplication::removeTranslator(slot);
        delete slot;
    }
    slot = translator;
    if (slot)
        QCoreApplication::installTranslator(slot);
}
} // namespace

QString installTranslations(const QLocale& locale)
{
    auto* pvc = new QTranslator(QCoreApplication::instance());
    // English is a translation too: it carries the plural forms ("1 core", "2 cores").
    if (!pvc->load(locale, QStringLiteral("pvc"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        (void)pvc->load(QStringLiteral(":/i18n/pvc_en.qm"));
    const QString language = pvc->language().isEmpty() ? QStringLiteral("en") : pvc->language();
    replace(g_pvcTranslator, pvc);

    auto* qt = new QTranslator(QCoreApplication::instance());
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
            QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        replace(g_qtTranslator, qt);
    } else {
        delete qt;
        replace(g_qtTranslator, nullptr);
    }
    QLocale::setDefault(locale);
    return language;
}

} // namespace pvc::app
